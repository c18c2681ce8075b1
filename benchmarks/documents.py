"""Deposit and read-back of 100 KiB PDF documents through the service layer, on SQLite
and on PostgreSQL, against a raw sealed blob put of the same bytes in the same run.

    .venv/bin/python -m benchmarks.documents [--quick] [--ops N] [--pg URL]

Each deposit and each read is its own unit of work (commit included), as a request
would be. PostgreSQL runs in a temporary database created on the server given by
``--pg`` (default: postgres on 127.0.0.1:5432) and dropped afterwards; it is skipped
when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from dmp.blobs.sealed import put_sealed
from dmp.blobs.store import new_blob_key
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.documents.reading import read_document_content
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.dossiers.schemas import ConsentIn, CreationChannel, DossierCreate, Identity, Sex
from dmp.dossiers.service import create_dossier, get_dossier
from dmp.identity.nir import nir_key
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime, build_runtime

SIZE = 100 * 1024
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
AUTHOR = Actor(
    kind=ActorKind.PROFESSIONAL, id="810003461033", display_name="Dr Bench", profession="10"
)
UPLOAD = DocumentIn(
    type_code="11488-4",
    mime="application/pdf",
    title="Compte rendu de consultation",
    creation_time=datetime(2026, 2, 27, 14, 0, tzinfo=UTC),
)


def make_pdf(size: int) -> bytes:
    """A PDF as the sniffer sees one: header, incompressible body, end marker."""
    head, tail = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    return head + b"%" + os.urandom(size - len(head) - len(tail) - 1) + tail


@dataclass
class Timings:
    label: str
    samples: list[float]  # seconds

    def row(self) -> str:
        ms = sorted(s * 1000 for s in self.samples)
        p99 = statistics.quantiles(ms, n=100)[98] if len(ms) > 1 else ms[0]
        rate = len(ms) / (sum(ms) / 1000)
        return f"| {self.label} | {rate:,.0f} | {statistics.median(ms):.2f} | {p99:.2f} |"


async def _timed(count: int, operation: Callable[[int], Awaitable[object]]) -> list[float]:
    samples = []
    for index in range(count):
        start = time.perf_counter()
        await operation(index)
        samples.append(time.perf_counter() - start)
    return samples


async def _dossier(factory: object, rt: Runtime) -> uuid.UUID:
    body = f"185057510{secrets.randbelow(1000):03d}{secrets.randbelow(1000):03d}"[:13]
    request = DossierCreate(
        nir=f"{body}{nir_key(body):02d}",
        identity=Identity(
            family_name="Banc", given_names="Essai", birth_date=date(1985, 5, 14), sex=Sex.MALE
        ),
        channel=CreationChannel.COUNTER,
        consent=ConsentIn(given=True),
    )
    counter = Actor(kind=ActorKind.COUNTER_AGENT, id="bench", display_name="Banc d'essai")
    async with unit_of_work(factory) as session:  # type: ignore[arg-type]
        created = await create_dossier(session, rt=rt, actor=counter, request=request)
    return created.dossier_id


async def run_backend(label: str, url: str, ops: int, var_dir: Path) -> list[Timings]:
    settings = Settings(
        var_dir=var_dir,
        database_url=url,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
    )
    rt = build_runtime(settings)
    assert rt.blobs is not None
    engine = create_engine(url)
    await upgrade_engine(engine)
    factory = create_session_factory(engine)
    try:
        dossier_id = await _dossier(factory, rt)
        holder = Actor(kind=ActorKind.PATIENT, id="holder", dossier_id=str(dossier_id))
        content = make_pdf(SIZE)
        async with unit_of_work(factory) as session:
            dossier = await get_dossier(session, dossier_id)
        data_key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier_id))
        ids: list[uuid.UUID] = []

        async def raw_put(_: int) -> None:
            await put_sealed(rt.blobs, data_key, dossier_id, new_blob_key(dossier_id), content)  # type: ignore[arg-type]

        async def add(_: int) -> None:
            async with unit_of_work(factory) as session:
                doc = await add_document(
                    session,
                    rt=rt,
                    actor=AUTHOR,
                    dossier_id=dossier_id,
                    upload=UPLOAD,
                    content=content,
                )
            ids.append(doc.id)

        async def read(index: int) -> None:
            async with unit_of_work(factory) as session:
                got = await read_document_content(
                    session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=ids[index]
                )
            assert got.data == content

        warmup = max(3, ops // 20)
        await _timed(warmup, raw_put)
        await _timed(warmup, add)
        raw = await _timed(ops, raw_put)
        ids.clear()
        adds = await _timed(ops, add)
        reads = await _timed(ops, read)
        return [
            Timings(f"{label}: sealed blob put (raw)", raw),
            Timings(f"{label}: add_document", adds),
            Timings(f"{label}: read_document_content", reads),
        ]
    finally:
        await engine.dispose()


async def create_pg_database(admin_url: str) -> str | None:
    import asyncpg

    url = make_url(admin_url)
    name = f"dmp_bench_{secrets.token_hex(4)}"
    try:
        conn = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database
        )
    except (OSError, asyncpg.PostgresError) as error:
        print(f"PostgreSQL skipped: {error}")
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(admin_url: str, bench_url: str) -> None:
    import asyncpg

    url = make_url(admin_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(bench_url).database}" WITH (FORCE)')
    finally:
        await conn.close()


async def main_async(ops: int, pg_admin: str) -> None:
    rows: list[Timings] = []
    with tempfile.TemporaryDirectory(prefix="dmp-bench-docs-") as tmp:
        root = Path(tmp)
        sqlite_url = f"sqlite+aiosqlite:///{root / 'sqlite' / 'bench.sqlite3'}"
        rows += await run_backend("SQLite", sqlite_url, ops, root / "sqlite")
        pg_url = await create_pg_database(pg_admin)
        if pg_url is not None:
            try:
                rows += await run_backend("PostgreSQL", pg_url, ops, root / "pg")
            finally:
                await drop_pg_database(pg_admin, pg_url)
    print(f"\n{ops} operations of {SIZE // 1024} KiB PDF each, one transaction per operation\n")
    print("| operation | ops/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for timing in rows:
        print(timing.row())
    print()
    for index in range(0, len(rows), 3):
        raw, add = rows[index], rows[index + 1]
        ratio = statistics.median(add.samples) / statistics.median(raw.samples)
        print(f"{add.label}: p50 = {ratio:.1f}× a raw sealed blob put in the same run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 operations instead of 300")
    parser.add_argument("--ops", type=int, default=None)
    parser.add_argument("--pg", default=DEFAULT_PG, help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    ops = args.ops or (50 if args.quick else 300)
    asyncio.run(main_async(ops, args.pg))


if __name__ == "__main__":
    main()
