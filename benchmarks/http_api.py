"""The FHIR HTTP API under load: ITI-67 search, ITI-65 provide of a 100 KiB PDF and
ITI-68 retrieve, against a server this script starts (uvicorn, its own process) on
SQLite and on PostgreSQL, at a few concurrency levels.

    .venv/bin/python -m benchmarks.http_api [--quick] [--requests N] [--concurrency 1,4,16]
                                            [--pg URL] [--backends sqlite,postgresql]

Each request carries a fresh CPS-signed assertion, as professionals' software must.
PostgreSQL runs in a temporary database created on the server given by ``--pg``
(default: postgres on 127.0.0.1:5432) and dropped afterwards; skipped when unreachable.

The parts are meant to be reused: ``load`` (the closed-loop load generator and its
statistics) knows nothing of the DMP; ``Workloads`` builds requests; ``ServerProcess``
starts and stops a server on a prepared database.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks.documents import create_pg_database, drop_pg_database
from dmp.auth.pki import IssuedCertificate, LocalPki
from dmp.auth.profiles import identity_of
from dmp.auth.tokens import build_claims, sign_claims
from dmp.cli.seed import PROFESSIONALS, seed_world
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.identity.nir import INS_NIR_SYSTEM, nir_key
from dmp.runtime import build_runtime

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PDF_SIZE = 100 * 1024

# -- the load loop: no DMP knowledge -----------------------------------------------------


@dataclass
class Result:
    label: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    elapsed: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: int) -> float:
        ms = sorted(s * 1000 for s in self.latencies)
        if not ms:
            return float("nan")
        if len(ms) == 1:
            return ms[0]
        return statistics.quantiles(ms, n=100, method="inclusive")[q - 1]

    def row(self) -> str:
        return (
            f"| {self.label} | {self.concurrency} | {len(self.latencies)} | "
            f"{self.throughput:,.1f} | {self.percentile(50):.1f} | {self.percentile(99):.1f} | "
            f"{self.errors} |"
        )


Request = Callable[[int], Awaitable[None]]  # raises on failure


async def load(label: str, request: Request, *, requests: int, concurrency: int) -> Result:
    """A closed loop: ``concurrency`` workers take request numbers until ``requests`` have
    been sent; each latency is one request's, start to end."""
    result = Result(label, concurrency)
    numbers = iter(range(requests))

    async def worker() -> None:
        for number in numbers:
            start = time.perf_counter()
            try:
                await request(number)
            except Exception:  # a benchmark counts failures, whatever they are
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    return result


# -- the server under test -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Credentials:
    pki_dir: Path
    certificates: dict[str, IssuedCertificate]

    @classmethod
    def create(cls, folder: Path) -> Credentials:
        now = datetime.now(UTC)
        pki = LocalPki.create(now=now - timedelta(days=1))
        certificates = {
            pro.national_id: pki.issue_cps(
                national_id=pro.national_id,
                profession=pro.profession_code,
                given_name=pro.given_names,
                family_name=pro.family_name,
                now=now - timedelta(hours=1),
            )
            for pro in PROFESSIONALS[:2]
        }
        pki.save(folder, now=now - timedelta(minutes=5), crl_days=2)
        return cls(folder, certificates)

    def authorization(self, national_id: str, audience: str) -> str:
        issued = self.certificates[national_id]
        identity = identity_of(issued.certificate)
        claims = build_claims(
            subject=identity.national_id,
            audience=audience,
            issued_at=datetime.now(UTC),
            profession=identity.profession,
        )
        return "Bearer " + sign_claims(claims, private_key=issued.private_key, chain=issued.chain)


class ServerProcess:
    """``uvicorn --factory dmp.app:app_from_environment`` on a migrated, seeded database."""

    def __init__(self, folder: Path, database_url: str, credentials: Credentials) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "DMP_VAR_DIR": str(folder),
            "DMP_DATABASE_URL": database_url,
            "DMP_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "DMP_ENVIRONMENT": "test",
            "DMP_BASE_URL": self.base_url,
            "DMP_PKI_CA_BUNDLE": str(credentials.pki_dir / "ca-bundle.pem"),
            "DMP_PKI_CRL_FILE": str(credentials.pki_dir / "crl.pem"),
        }
        self.process: asyncio.subprocess.Process | None = None

    async def prepare(self) -> None:
        settings = Settings(
            var_dir=Path(self.environment["DMP_VAR_DIR"]),
            database_url=self.environment["DMP_DATABASE_URL"],
            master_key=self.environment["DMP_MASTER_KEY"],
            environment="test",
        )
        engine = create_engine(settings.effective_database_url)
        try:
            await upgrade_engine(engine)
            async with unit_of_work(create_session_factory(engine)) as session:
                await seed_world(session, rt=build_runtime(settings))
        finally:
            await engine.dispose()

    async def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", "dmp.app:app_from_environment"]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        self.process = await asyncio.create_subprocess_exec(*command, env=self.environment)
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                try:
                    if (await http.get(f"{self.base_url}/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the server did not start")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout=15)


# -- the workloads: FHIR requests of a professional's software --------------------------------


def make_pdf(size: int) -> bytes:
    head, tail = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    return head + b"%" + os.urandom(size - len(head) - len(tail) - 1) + tail


def provide_bundle(patient_id: str, content: bytes) -> dict[str, Any]:
    binary_url, reference_url = uuid.uuid4().urn, uuid.uuid4().urn
    reference = {
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": uuid.uuid4().urn},
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": binary_url,
                    "title": "Compte rendu de consultation",
                    "creation": datetime.now(UTC).isoformat(),
                }
            }
        ],
    }
    submission = {
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "code": {
            "coding": [
                {
                    "system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes",
                    "code": "submissionset",
                }
            ]
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "entry": [{"item": {"reference": reference_url}}],
    }
    binary = {
        "resourceType": "Binary",
        "contentType": "application/pdf",
        "data": base64.b64encode(content).decode(),
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": uuid.uuid4().urn,
                "resource": submission,
                "request": {"method": "POST", "url": "List"},
            },
            {
                "fullUrl": reference_url,
                "resource": reference,
                "request": {"method": "POST", "url": "DocumentReference"},
            },
            {
                "fullUrl": binary_url,
                "resource": binary,
                "request": {"method": "POST", "url": "Binary"},
            },
        ],
    }


@dataclass
class Workloads:
    http: httpx.AsyncClient
    server: ServerProcess
    credentials: Credentials
    author: str = PROFESSIONALS[0].national_id
    patients: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    content: bytes = field(default_factory=lambda: make_pdf(PDF_SIZE))

    def headers(self, **extra: str) -> dict[str, str]:
        token = self.credentials.authorization(self.author, self.server.base_url)
        return {"Authorization": token, **extra}

    async def setup(self, patients: int, documents_each: int) -> None:
        """Patients created by the author (so authorized), each with a few documents."""
        for index in range(patients):
            body = f"2850575{index + 1:03d}{secrets.randbelow(1000):03d}"
            nir = f"{body}{nir_key(body):02d}"
            parameters = {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "patient",
                        "resource": {
                            "resourceType": "Patient",
                            "identifier": [{"system": INS_NIR_SYSTEM, "value": nir}],
                            "name": [{"family": "Banc", "given": ["Essai"]}],
                            "birthDate": "1985-05-14",
                            "gender": "female",
                        },
                    },
                    {"name": "consent", "valueBoolean": True},
                ],
            }
            answer = await self.http.post(
                f"{self.server.base_url}/fhir/Patient/$create-dmp",
                json=parameters,
                headers=self.headers(),
            )
            answer.raise_for_status()
            self.patients.append(answer.json()["id"])
        for _ in range(patients * documents_each):
            await self.provide(len(self.documents))

    async def provide(self, number: int) -> None:
        patient_id = self.patients[number % len(self.patients)]
        answer = await self.http.post(
            f"{self.server.base_url}/fhir",
            json=provide_bundle(patient_id, self.content),
            headers=self.headers(),
        )
        answer.raise_for_status()
        location = answer.json()["entry"][1]["response"]["location"]
        self.documents.append(location.split("/")[1])

    async def search(self, number: int) -> None:
        answer = await self.http.get(
            f"{self.server.base_url}/fhir/DocumentReference",
            params={"patient": self.patients[number % len(self.patients)], "_count": 20},
            headers=self.headers(),
        )
        answer.raise_for_status()

    async def retrieve(self, number: int) -> None:
        document_id = self.documents[number % len(self.documents)]
        answer = await self.http.get(
            f"{self.server.base_url}/fhir/Binary/{document_id}",
            headers=self.headers(Accept="application/pdf"),
        )
        answer.raise_for_status()
        if len(answer.content) != PDF_SIZE:
            raise ValueError("short read")


# -- running it --------------------------------------------------------------------------------


async def run_backend(
    label: str, database_url: str, folder: Path, *, requests: int, levels: list[int]
) -> list[Result]:
    credentials = Credentials.create(folder / "pki")
    server = ServerProcess(folder / "var", database_url, credentials)
    await server.prepare()
    await server.start()
    results = []
    try:
        limits = httpx.Limits(max_connections=max(levels) * 2)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            work = Workloads(http, server, credentials)
            await work.setup(patients=4, documents_each=5)
            for concurrency in levels:
                for name, request in (
                    ("search (ITI-67)", work.search),
                    ("provide 100 KiB PDF (ITI-65)", work.provide),
                    ("retrieve (ITI-68)", work.retrieve),
                ):
                    await load(name, request, requests=max(concurrency, 5), concurrency=concurrency)
                    results.append(
                        await load(
                            f"{label}: {name}", request, requests=requests, concurrency=concurrency
                        )
                    )
    finally:
        await server.stop()
    return results


async def main_async(args: argparse.Namespace) -> None:
    levels = [int(level) for level in args.concurrency.split(",")]
    backends = args.backends.split(",")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="dmp-bench-http-") as tmp:
        root = Path(tmp)
        if "sqlite" in backends:
            url = f"sqlite+aiosqlite:///{root / 'sqlite' / 'var' / 'bench.sqlite3'}"
            results += await run_backend(
                "SQLite", url, root / "sqlite", requests=args.requests, levels=levels
            )
        if "postgresql" in backends:
            pg_url = await create_pg_database(args.pg)
            if pg_url is not None:
                try:
                    results += await run_backend(
                        "PostgreSQL", pg_url, root / "pg", requests=args.requests, levels=levels
                    )
                finally:
                    await drop_pg_database(args.pg, pg_url)
    print(f"\n{args.requests} requests per cell, closed loop, fresh CPS assertion per request\n")
    print("| workload | concurrency | ok | req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for result in results:
        print(result.row())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 requests, concurrency 1 and 4")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--concurrency", default=None, help="comma-separated levels")
    parser.add_argument("--pg", default=DEFAULT_PG, help="admin URL of a PostgreSQL server")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    args.requests = args.requests or (30 if args.quick else 300)
    args.concurrency = args.concurrency or ("1,4" if args.quick else "1,4,16")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
