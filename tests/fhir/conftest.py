"""A live server with the demo world and a test PKI valid now, and fhirpy clients for the
seeded professionals (see dmp.cli.seed).

One server per database backend and session: SQLite always, PostgreSQL as well when
``DMP_TEST_DATABASE_URL`` names a server (in its own ``dmp_test_<random>`` database,
dropped at the end). Tests create their own patients, so they never depend on each other.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI

from dmp.app import create_app
from dmp.auth.pki import IssuedCertificate, LocalPki
from dmp.cli.seed import PROFESSIONALS
from tests.conftest import BACKENDS, POSTGRES_URL, _create_pg_database, _drop_pg_database
from tests.e2e.server import LiveServer, start_live_server
from tests.fhir.builders import make_pdf, new_patient, provide
from tests.fhir.client import CpsFhirClient, sign_for

MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass
class FhirWorld:
    server: LiveServer
    certificates: dict[str, IssuedCertificate]  # by national id
    regulator: IssuedCertificate
    backend: str

    @property
    def base(self) -> str:
        return self.server.base_url + "/fhir"

    @property
    def audience(self) -> str:
        return self.server.settings.public_base_url

    def client(self, national_id: str, **claims: Any) -> CpsFhirClient:
        return CpsFhirClient(
            self.base,
            certificate=self.certificates[national_id],
            audience=self.audience,
            **claims,
        )

    def regulation_client(self) -> CpsFhirClient:
        return CpsFhirClient(
            self.base, certificate=self.regulator, audience=self.audience, mode="regulation"
        )

    def headers(self, national_id: str | None = None, **claims: Any) -> dict[str, str]:
        """A fresh signed assertion, for tests speaking plain HTTP (httpx)."""
        certificate = self.certificates[national_id] if national_id else self.regulator
        if national_id is None:
            claims.setdefault("mode", "regulation")
        return {"Authorization": "Bearer " + sign_for(certificate, self.audience, **claims)}


T = TypeVar("T")


def run_in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine on a loop of its own (the caller may be inside pytest-asyncio's)."""
    result: dict[str, T] = {}
    worker = threading.Thread(target=lambda: result.update(value=asyncio.run(coroutine)))
    worker.start()
    worker.join()
    return result["value"]


@pytest.fixture(scope="session", params=BACKENDS)
def fhir_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FhirWorld]:
    folder = tmp_path_factory.mktemp(f"fhir-{request.param}")
    now = datetime.now(UTC)
    pki = LocalPki.create(now=now - timedelta(days=2))
    certificates = {
        pro.national_id: pki.issue_cps(
            national_id=pro.national_id,
            profession=pro.profession_code,
            given_name=pro.given_names,
            family_name=pro.family_name,
            now=now - timedelta(days=1),
        )
        for pro in PROFESSIONALS
    }
    samu = PROFESSIONALS[-1]
    regulator = pki.issue_regulator(
        national_id=samu.national_id,
        profession=samu.profession_code,
        given_name=samu.given_names,
        family_name=samu.family_name,
        now=now - timedelta(days=1),
    )
    pki.save(folder / "pki", now=now - timedelta(hours=1), crl_days=7)
    # A small content limit, so that "413 too large" is cheap to provoke.
    overrides: dict[str, Any] = {"max_document_bytes": MAX_DOCUMENT_BYTES}
    database = None
    if request.param == "postgresql":
        database = run_in_thread(_create_pg_database(POSTGRES_URL))
        overrides["database_url"] = database
    server = start_live_server(
        folder / "var",
        pki_ca_bundle=folder / "pki" / "ca-bundle.pem",
        pki_crl_file=folder / "pki" / "crl.pem",
        **overrides,
    )
    try:
        yield FhirWorld(server, certificates, regulator, request.param)
    finally:
        server.stop()
        if database is not None:
            run_in_thread(_drop_pg_database(POSTGRES_URL, database))


@pytest.fixture
def as_professional(fhir_world: FhirWorld) -> Callable[..., CpsFhirClient]:
    return fhir_world.client


@asynccontextmanager
async def in_process(
    world: FhirWorld, adapt: Callable[[FastAPI], FastAPI] = lambda app: app
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the application built in the test's own process (``adapt`` may change
    it before its first request), on the live server's database."""
    app = adapt(create_app(world.server.settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=world.server.base_url) as http:
        yield http
    await app.state.engine.dispose()


@pytest.fixture
async def gp_document(as_professional: Callable[..., CpsFhirClient]) -> tuple[str, str]:
    """(patient id, DocumentReference id) of a 3 KB PDF the GP has just deposited for a
    new patient."""
    gp = as_professional(PROFESSIONALS[0].national_id)
    patient = await new_patient(gp)
    [document_id] = await provide(gp, patient["id"], {"data": make_pdf(3000)})
    return patient["id"], document_id
