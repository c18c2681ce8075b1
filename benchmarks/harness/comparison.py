"""The standard comparison set, the same for every server measured: 100 patients with 10
DocumentReference of about 2 KB each (searches, retrievals), a separate set of patients
for creates, and for the portal one dossier holding 1,000 documents.

The searched documents go through ``documents.service.add_document`` (blob sealed and
fsynced, row, metadata version, trace), one unit of work per patient, so that a retrieve
finds real content. The patients themselves, and the portal dossier's 1,000 documents
(metadata only: the home page counts documents, it reads no content), are bulk rows
built like the population's.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.harness.credentials import BENCH_PROFESSION, BENCH_PROFESSIONALS
from benchmarks.harness.people import DirectoryEntry, Person, people_rows
from benchmarks.harness.population import document_rows, grant_row, insert
from dmp.access.models import Authorization
from dmp.auth.accounts import principal_of
from dmp.auth.sessions import open_session
from dmp.db.engine import create_session_factory
from dmp.db.uow import unit_of_work
from dmp.documents.models import Document
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.dossiers.models import Dossier, PatientAccount
from dmp.identity.models import Professional
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime

DOCUMENT_BYTES = 2 * 1024
PROVIDE_BYTES = 100 * 1024
PORTAL_DOCUMENTS = 1000
# Common types a general practitioner reads, in the proportions of a real first visit.
SEARCH_TYPES = (
    "11488-4",
    "11488-4",
    "11502-2",
    "11502-2",
    "18748-4",
    "57833-6",
    "34112-3",
    "11490-0",
    "60591-5",
    "11369-6",
)


def make_pdf(size: int) -> bytes:
    """What the content sniffer takes for a PDF: header, incompressible body, end marker."""
    head, tail = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    return head + b"%" + os.urandom(size - len(head) - len(tail) - 1) + tail


def bench_actor(national_id: str) -> Actor:
    return Actor(
        kind=ActorKind.PROFESSIONAL,
        id=national_id,
        display_name=f"Banc Essai {national_id[-1]}",
        profession=BENCH_PROFESSION,
    )


@dataclass
class ComparisonSet:
    search_patients: list[uuid.UUID]
    documents: list[tuple[uuid.UUID, uuid.UUID]]  # (dossier, document version)
    create_patients: list[uuid.UUID]
    portal: Person
    documents_seconds: float = 0.0  # the service-layer deposits, for the report


async def build_comparison_set(
    engine: AsyncEngine,
    rt: Runtime,
    *,
    first_index: int,
    patients: int,
    documents_each: int,
    creates: int,
    seed: int,
) -> ComparisonSet:
    """Patients numbered from ``first_index`` (after the population's), authorized for
    every benchmark professional."""
    rng = random.Random(seed + 1)
    now = datetime.now(UTC)
    total = patients + creates + 1
    rows = people_rows(
        rt, range(first_index, first_index + total), rng, now, all_adults_active=True
    )
    grants = [
        grant_row(person.dossier_id, national_id, now)
        for person in rows.people[: patients + creates]
        for national_id in BENCH_PROFESSIONALS
    ]
    portal = rows.people[-1]
    bench_directory = [
        DirectoryEntry(national_id, BENCH_PROFESSION, f"Banc Essai {national_id[-1]}")
        for national_id in BENCH_PROFESSIONALS
    ]
    portal_documents = document_rows(portal, PORTAL_DOCUMENTS, rng, now, bench_directory)
    async with engine.begin() as connection:
        await insert(connection, Professional, _directory_rows(now))
        await insert(connection, Dossier, rows.dossiers)
        await insert(connection, PatientAccount, rows.accounts)
        await insert(connection, Authorization, grants)
        await insert(connection, Document, portal_documents)
    searched = [person.dossier_id for person in rows.people[:patients]]
    started = time.perf_counter()
    documents = await _add_documents(engine, rt, searched, documents_each, rng, now)
    return ComparisonSet(
        search_patients=searched,
        documents=documents,
        create_patients=[person.dossier_id for person in rows.people[patients:-1]],
        portal=portal,
        documents_seconds=time.perf_counter() - started,
    )


def _directory_rows(now: datetime) -> list[dict[str, object]]:
    return [
        {
            "national_id": national_id,
            "profession_code": BENCH_PROFESSION,
            "specialty": "Médecine générale",
            "family_name": f"Essai {index + 1}",
            "given_names": "Banc",
            "structure_id": None,
            "structure_name": "Cabinet du banc d'essai",
            "updated_at": now,
        }
        for index, national_id in enumerate(BENCH_PROFESSIONALS)
    ]


async def _add_documents(
    engine: AsyncEngine,
    rt: Runtime,
    dossiers: list[uuid.UUID],
    each: int,
    rng: random.Random,
    now: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    factory = create_session_factory(engine)
    added: list[tuple[uuid.UUID, uuid.UUID]] = []
    # A few patients at once: PostgreSQL overlaps their fsyncs; SQLite's single writer
    # serialises them anyway.
    gate = asyncio.Semaphore(4)

    async def one_patient(number: int, dossier_id: uuid.UUID) -> None:
        actor = bench_actor(BENCH_PROFESSIONALS[number % len(BENCH_PROFESSIONALS)])
        ages = [rng.randint(1, 700) for _ in range(each)]
        async with gate, unit_of_work(factory) as session:
            for slot, age in enumerate(ages):
                upload = DocumentIn(
                    type_code=SEARCH_TYPES[slot % len(SEARCH_TYPES)],
                    mime="application/pdf",
                    title=f"Compte rendu {slot + 1}",
                    # All within the first visit's two years, as a peer's set would be.
                    creation_time=now - timedelta(days=age, minutes=slot),
                )
                document = await add_document(
                    session,
                    rt=rt,
                    actor=actor,
                    dossier_id=dossier_id,
                    upload=upload,
                    content=make_pdf(DOCUMENT_BYTES),
                )
                added.append((dossier_id, document.id))

    await asyncio.gather(*(one_patient(n, d) for n, d in enumerate(dossiers)))
    return added


async def open_portal_session(
    factory: async_sessionmaker[AsyncSession],
    rt: Runtime,
    person: Person,
) -> str:
    """A signed-in holder session for the portal dossier, as the login flow ends: the
    token the browser would carry in its session cookie."""
    async with unit_of_work(factory) as session:
        account = await session.get(PatientAccount, person.account_id)
        assert account is not None
        principal = await principal_of(session, account)
        assert principal is not None
        opened = await open_session(session, rt=rt, principal=principal, must_change_password=False)
    return opened.token
