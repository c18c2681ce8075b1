"""Identity and contact data never reach the database file in clear."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dmp.db.engine import create_engine, create_session_factory
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.dossiers.schemas import Contact, Identity
from tests.builders.dossiers import a_dossier, adult_request
from tests.builders.nirs import make_nir


async def test_grep_of_the_sqlite_file_finds_no_name_nir_or_email(tmp_path: Path, rt):
    path = tmp_path / "grep.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade_engine(engine)
    nir = make_nir("2", 61)
    request = adult_request(
        nir=nir,
        identity=Identity(
            family_name="Quasimodolesque", given_names="Esmeraldine", birth_date=date(1961, 2, 3)
        ),
        contact=Contact(email="esmeraldine.q@example.org", mobile="0611223344"),
    )
    async with unit_of_work(create_session_factory(engine)) as session:
        await a_dossier(session, rt, request=request)
    await engine.dispose()

    raw = b"".join(p.read_bytes() for p in tmp_path.glob("grep.sqlite3*"))
    for secret in ("Quasimodolesque", "Esmeraldine", nir, nir[:13], "esmeraldine.q", "0611223344"):
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret
    assert b"dossier" in raw  # the file is the real database, not an empty one
