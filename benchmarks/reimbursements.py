"""Import throughput of the reimbursement history (the bulk path of ``dmp import
reimbursements``), on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.reimbursements [--quick] [--lines N] [--dossiers D] [--pg URL]

Measured, each in lines per second of the whole file:
- parse: reading and normalising the CSV (pure Python, no database);
- store: parse + per-dossier policy decision and trace + keyed identity + sealing +
  bulk ``INSERT … ON CONFLICT DO NOTHING`` (``COPY`` then ``INSERT … SELECT`` on
  PostgreSQL), committed in chunks (what the command does before it renders the
  documents);
- re-import: the same file again (every line already present: nothing changes);
and, apart, the rendering of the "Données de remboursement" PDF of every dossier touched
(documents per second). PostgreSQL runs in a temporary database created on the server
given by ``--pg`` and dropped afterwards; skipped when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import random
import secrets
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.documents import create_pg_database, drop_pg_database
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.dossiers.schemas import ConsentIn, CreationChannel, DossierCreate, Identity, Sex
from dmp.dossiers.service import create_dossier
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.ingest import import_care_lines, render_documents
from dmp.feeds.sections import read_csv
from dmp.identity.nir import nir_key
from dmp.kit.clock import FrozenClock
from dmp.policy import Actor, ActorKind
from dmp.runtime import build_runtime

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 3, 2)
HEADER = (
    "nir,section,date_delivrance,libelle,dci,quantite,hospital_flag,date_acte,code_nabm,"
    "date_execution,code_acte,coefficient,specialite"
)
DRUGS = ["PARACETAMOL 1 G CPR", "AMOXICILLINE 500 MG GELULE", "IBUPROFENE 400 MG CPR"]


def nirs(count: int) -> list[str]:
    out = []
    for index in range(count):
        body = f"1850575{index:06d}"
        out.append(f"{body}{nir_key(body):02d}")
    return out


def make_csv(people: list[str], lines: int, seed: int = 7) -> str:
    chance = random.Random(seed)
    rows = [HEADER]
    for index in range(lines):
        nir = people[index % len(people)]
        day = (TODAY - timedelta(days=chance.randint(0, 700))).isoformat()
        kind = index % 3
        if kind == 0:
            drug = chance.choice(DRUGS)
            rows.append(
                f"{nir},pharmacie,{day},{drug},{drug.split()[0].lower()},{index % 4 + 1},,,,,,,"
            )
        elif kind == 1:
            rows.append(f"{nir},biologie,,Hémogramme,,1,,{day},{1000 + index % 900},,,,")
        else:
            rows.append(f"{nir},soins,,Consultation,,,H,,,{day},G,1,Médecine générale")
    return "\n".join(rows) + "\n"


async def run_backend(label: str, url: str, lines: int, dossiers: int, var_dir: Path) -> list[str]:
    settings = Settings(
        var_dir=var_dir,
        database_url=url,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
        password_hash_time_cost=1,  # setting up the dossiers is not what is measured
        password_hash_memory_kib=1024,
    )
    rt = build_runtime(settings, clock=FrozenClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))
    engine = create_engine(url)
    await upgrade_engine(engine)
    factory = create_session_factory(engine)
    agent = Actor(kind=ActorKind.COUNTER_AGENT, id="bench", display_name="Banc d'essai")
    people = nirs(dossiers)
    try:
        for nir in people:
            async with unit_of_work(factory) as session:
                request = DossierCreate(
                    nir=nir,
                    identity=Identity(
                        family_name="Banc",
                        given_names="Essai",
                        birth_date=date(1985, 5, 1),
                        sex=Sex.MALE,
                    ),
                    channel=CreationChannel.COUNTER,
                    consent=ConsentIn(given=True),
                )
                await create_dossier(session, rt=rt, actor=agent, request=request)
        text = make_csv(people, lines)

        start = time.perf_counter()
        parsed = list(read_csv(io.StringIO(text), today=TODAY))
        parse = time.perf_counter() - start

        async def store() -> tuple[float, int, set[Any]]:
            began = time.perf_counter()
            report, _ = await import_care_lines(
                factory,
                rt=rt,
                actor=ASSURANCE_MALADIE,
                rows=read_csv(io.StringIO(text), today=TODAY),
                render=False,
            )
            return time.perf_counter() - began, report.stored, report.dossiers

        first, stored, touched = await store()
        again, stored_again, _ = await store()
        assert stored_again == 0
        assert len(parsed) == lines
        began = time.perf_counter()
        rendered = await render_documents(
            factory, rt=rt, actor=ASSURANCE_MALADIE, dossier_ids=sorted(touched)
        )
        render = time.perf_counter() - began
        store_step = f"store (bulk path, {stored} new of {lines}, {dossiers} dossiers)"
        render_step = f"render history PDFs ({rendered} documents)"
        return [
            f"| {label} | parse | {lines / parse:,.0f} lines/s |",
            f"| {label} | {store_step} | {lines / first:,.0f} lines/s |",
            f"| {label} | re-import (all present) | {lines / again:,.0f} lines/s |",
            f"| {label} | {render_step} | {rendered / render:,.1f} documents/s |",
        ]
    finally:
        await engine.dispose()


async def main_async(lines: int, dossiers: int, pg_admin: str) -> None:
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dmp-bench-remb-") as tmp:
        root = Path(tmp)
        sqlite_url = f"sqlite+aiosqlite:///{root / 'sqlite' / 'bench.sqlite3'}"
        rows += await run_backend("SQLite", sqlite_url, lines, dossiers, root / "sqlite")
        pg_url = await create_pg_database(pg_admin)
        if pg_url is not None:
            try:
                rows += await run_backend("PostgreSQL", pg_url, lines, dossiers, root / "pg")
            finally:
                await drop_pg_database(pg_admin, pg_url)
    print(f"\n{lines} care lines, {dossiers} dossiers\n")
    print("| database | step | throughput |\n|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 lines, 100 dossiers")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--dossiers", type=int, default=1_000)
    parser.add_argument("--pg", default=DEFAULT_PG)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.lines, arguments.dossiers = 20_000, 100
    asyncio.run(main_async(arguments.lines, arguments.dossiers, arguments.pg))


if __name__ == "__main__":
    main()
