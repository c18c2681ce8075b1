"""Server time of the patient portal's pages for a dossier holding 1,000 documents: the
home page (nine category counts under the access rule, one trace), the first page of
"Tous les documents courants" and a search, against the login page (a template and a
unit of work, no dossier) measured in the same run.

    .venv/bin/python -m benchmarks.patient_portal [--quick] [--requests N] [--documents N]
                                                   [--pg URL]

Requests go through the whole ASGI application in process (httpx ASGITransport):
middleware, session resolution, services, SQL, template. Each request is its own unit
of work, committed (a page view writes its trace), as in production. PostgreSQL runs
in a temporary database on the server given by ``--pg`` and is skipped when that server
cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks.documents import DEFAULT_PG, create_pg_database, drop_pg_database
from dmp.app import create_app
from dmp.auth.accounts import AccountKind, find_account, principal_of
from dmp.auth.sessions import open_session
from dmp.config import Settings
from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.dossiers.schemas import (
    ConsentIn,
    Contact,
    CreationChannel,
    DossierCreate,
    Identity,
    Sex,
)
from dmp.dossiers.service import create_dossier
from dmp.identity.nir import nir_key
from dmp.kit.pdf import text_pdf
from dmp.policy import Actor, ActorKind

AUTHOR = Actor(
    kind=ActorKind.PROFESSIONAL, id="810003461033", display_name="Dr Banc", profession="10"
)
# One type per patient category (a mix a long-followed patient accumulates).
TYPES = ["60591-5", "11488-4", "11502-2", "57833-6", "11369-6", "34112-3", "18748-4"]
BATCH = 100


@dataclass
class Timings:
    label: str
    samples: list[float]  # seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p99(self) -> float:
        ms = sorted(s * 1000 for s in self.samples)
        return statistics.quantiles(ms, n=100)[98] if len(ms) > 1 else ms[0]

    def row(self) -> str:
        return f"| {self.label} | {len(self.samples)} | {self.p50:.1f} | {self.p99:.1f} |"


async def _world(app: object, documents: int) -> str:
    """A dossier with ``documents`` documents and a session of its holder (the token)."""
    factory = app.state.session_factory  # type: ignore[attr-defined]
    rt = app.state.runtime  # type: ignore[attr-defined]
    body = f"269054{secrets.randbelow(10**7):07d}"
    request = DossierCreate(
        nir=f"{body}{nir_key(body):02d}",
        identity=Identity(
            family_name="Banc", given_names="Essai", birth_date=date(1950, 4, 1), sex=Sex.FEMALE
        ),
        channel=CreationChannel.COUNTER,
        consent=ConsentIn(given=True),
        contact=Contact(email="banc.essai@example.org"),
    )
    counter = Actor(kind=ActorKind.COUNTER_AGENT, id="bench", display_name="Banc d'essai")
    async with unit_of_work(factory) as session:
        created = await create_dossier(session, rt=rt, actor=counter, request=request)
    content = text_pdf("Compte rendu", ["Document de banc d'essai."] * 20)
    now = datetime.now(UTC)
    for start in range(0, documents, BATCH):
        async with unit_of_work(factory) as session:
            for index in range(start, min(start + BATCH, documents)):
                when = now - timedelta(days=index)
                await add_document(
                    session,
                    rt=rt,
                    actor=AUTHOR,
                    dossier_id=created.dossier_id,
                    upload=DocumentIn(
                        type_code=TYPES[index % len(TYPES)],
                        mime="application/pdf",
                        title=f"Compte rendu n° {index} — suivi",
                        creation_time=when,
                        service_start=when,
                    ),
                    content=content,
                )
    async with unit_of_work(factory) as session:
        row = await find_account(session, kind=AccountKind.PATIENT, identifier=created.login_id)
        principal = await principal_of(session, row) if row is not None else None
        assert principal is not None
        opened = await open_session(session, rt=rt, principal=principal, must_change_password=False)
    return opened.token


async def _measure(client: httpx.AsyncClient, url: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = await client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return samples


async def run_backend(
    label: str, url: str, folder: Path, requests: int, documents: int
) -> list[Timings]:
    settings = Settings(
        var_dir=folder,
        database_url=url,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
    )
    engine = create_engine(url)
    await upgrade_engine(engine)
    await engine.dispose()
    app = create_app(settings)
    try:
        began = time.perf_counter()
        token = await _world(app, documents)
        print(f"{label}: {documents} documents deposited in {time.perf_counter() - began:.0f} s")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            client.cookies.set(settings.session_cookie_name, token)
            pages = {
                "login page (minimal)": "/connexion",
                "home: 9 category counts": "/mon-dmp",
                "current documents, page 1": "/mon-dmp/documents",
                "search by title words": "/mon-dmp/documents?q=suivi+compte",
            }
            for path in pages.values():  # warm-up: imports, template compilation, caches
                await _measure(client, path, 10)
            rows = []
            for name, path in pages.items():
                rows.append(Timings(f"{label}: {name}", await _measure(client, path, requests)))
        return rows
    finally:
        await app.state.engine.dispose()


async def main_async(requests: int, documents: int, pg_admin: str) -> None:
    rows: list[Timings] = []
    with tempfile.TemporaryDirectory(prefix="dmp-bench-portal-") as tmp:
        root = Path(tmp)
        sqlite_url = f"sqlite+aiosqlite:///{root / 'sqlite' / 'bench.sqlite3'}"
        rows += await run_backend("SQLite", sqlite_url, root / "sqlite", requests, documents)
        pg_url = await create_pg_database(pg_admin)
        if pg_url is not None:
            try:
                rows += await run_backend("PostgreSQL", pg_url, root / "pg", requests, documents)
            finally:
                await drop_pg_database(pg_admin, pg_url)
    print(f"\nPatient portal, one dossier of {documents} documents, {requests} requests per page\n")
    print("| page | requests | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for timing in rows:
        print(timing.row())
    print()
    for index in range(0, len(rows), 4):
        minimal, pages = rows[index], rows[index + 1 : index + 4]
        for page in pages:
            print(f"{page.label}: p50 = {page.p50 / minimal.p50:.1f}× the login page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 requests, 200 documents")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--documents", type=int, default=None)
    parser.add_argument("--pg", default=DEFAULT_PG, help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    requests = args.requests or (50 if args.quick else 200)
    documents = args.documents or (200 if args.quick else 1000)
    asyncio.run(main_async(requests, documents, args.pg))


if __name__ == "__main__":
    main()
