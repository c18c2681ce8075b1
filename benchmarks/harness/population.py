"""The national-scale population, streamed into the database in batches: one
transaction per batch of dossiers, each table inserted with one Core executemany (the
drivers' multi-row paths), so that a million dossiers need neither the memory nor the
round trips of the service layer.

Per dossier: the holder's account (and a legal representative for minors), a number of
documents drawn from ``distribution`` (metadata rows only: the bulk documents have no
content, which neither a search nor the portal's home page reads), 1 to 4 authorized
professionals of the directory, a treating physician for 60 %, and for half of the
dossiers about a dozen reimbursement lines, sealed and keyed as the feed stores them,
with their class-60 history document. Traces and metadata-history rows are not
generated: the population starts with empty chains.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from rich.progress import Progress
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from benchmarks.harness import distribution
from benchmarks.harness.people import (
    DirectoryEntry,
    Person,
    Row,
    directory_of,
    people_rows,
    professional_rows,
)
from dmp.access.models import Authorization, TreatingPhysician
from dmp.documents.models import Document
from dmp.documents.records import PATIENT_AUTHORED_CATEGORY, fold
from dmp.dossiers.models import Dossier, LegalRepresentative, PatientAccount
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.cipher import DossierCipher
from dmp.feeds.models import ReimbursementLine
from dmp.feeds.reimbursements import PURPOSE as LINE_PURPOSE
from dmp.feeds.sections import CareLine, sections
from dmp.identity.models import Professional
from dmp.kit.ids import new_id
from dmp.runtime import Runtime

BATCH = 1000  # dossiers per transaction: about 9,000 document rows
TREATING_SHARE = 0.6
LINES_SHARE = 0.5
LINES_MEAN = 12


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


@dataclass
class PopulationReport:
    dossiers: int = 0
    documents: int = 0
    masked: int = 0
    authorizations: int = 0
    reimbursement_lines: int = 0
    professionals: int = 0
    seconds: float = 0.0
    per_dossier: list[int] = field(default_factory=list)
    import_nirs: list[str] = field(default_factory=list)  # a sample, for the import workload

    def distribution(self) -> dict[str, float]:
        return distribution.summarize(self.per_dossier)


async def insert(connection: AsyncConnection, model: Any, rows: list[Row]) -> None:
    if rows:
        await connection.execute(table(model).insert(), rows)


async def populate(
    engine: AsyncEngine,
    rt: Runtime,
    *,
    dossiers: int,
    professionals: int,
    seed: int,
    quiet: bool = False,
) -> tuple[PopulationReport, list[DirectoryEntry]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    report = PopulationReport(dossiers=dossiers, professionals=professionals)
    started = time.perf_counter()
    directory_rows = professional_rows(professionals, rng, now)
    directory = directory_of(directory_rows)
    async with engine.begin() as connection:
        await insert(connection, Professional, directory_rows)
    stride = max(1, dossiers // 20_000)
    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task(f"population: {dossiers:,} dossiers", total=dossiers)
        for start in range(0, dossiers, BATCH):
            indexes = range(start, min(start + BATCH, dossiers))
            async with engine.begin() as connection:
                people = await _batch(connection, rt, indexes, rng, now, directory, report)
            report.import_nirs += [p.nir for p in people if p.index % stride == 0 and p.active]
            progress.update(task, advance=len(indexes))
    report.seconds = time.perf_counter() - started
    return report, directory


async def _batch(
    connection: AsyncConnection,
    rt: Runtime,
    indexes: range,
    rng: random.Random,
    now: datetime,
    directory: list[DirectoryEntry],
    report: PopulationReport,
) -> list[Person]:
    people = people_rows(rt, indexes, rng, now)
    documents: list[Row] = []
    grants: list[Row] = []
    treating: list[Row] = []
    lines: list[Row] = []
    for person in people.people:
        count = distribution.documents_per_dossier(rng)
        report.per_dossier.append(count)
        documents += document_rows(person, count, rng, now, directory)
        grants += _authorizations(person, rng, now, directory)
        if rng.random() < TREATING_SHARE:
            doctor = _doctor(rng, directory)
            treating.append(_treating(person, doctor, now))
        if person.active and rng.random() < LINES_SHARE:
            person_lines = reimbursement_rows(rt, person, rng, now)
            lines += person_lines
            documents.append(_history_document(person, now))
    await insert(connection, Dossier, people.dossiers)
    await insert(connection, LegalRepresentative, people.representatives)
    await insert(connection, PatientAccount, people.accounts)
    await insert(connection, Document, documents)
    await insert(connection, Authorization, grants)
    await insert(connection, TreatingPhysician, treating)
    await insert(connection, ReimbursementLine, lines)
    report.documents += len(documents)
    report.masked += sum(1 for row in documents if row["masked_ps"])
    report.authorizations += len(grants)
    report.reimbursement_lines += len(lines)
    return people.people


def _doctor(rng: random.Random, directory: list[DirectoryEntry]) -> DirectoryEntry:
    for _ in range(20):
        entry = rng.choice(directory)
        if entry.profession == "10":
            return entry
    return directory[0]  # the first entry is a médecin (directory order)


def _authorizations(
    person: Person, rng: random.Random, now: datetime, directory: list[DirectoryEntry]
) -> list[Row]:
    chosen = {entry.national_id for entry in rng.sample(directory, k=rng.randint(1, 4))}
    return [grant_row(person.dossier_id, national_id, now) for national_id in sorted(chosen)]


def grant_row(dossier_id: uuid.UUID, national_id: str, now: datetime) -> Row:
    return {
        "dossier_id": dossier_id,
        "professional_id": national_id,
        "state": "authorized",
        "granted_by_kind": "professional",
        "granted_by_id": national_id,
        "declared_consent": True,
        "created_at": now,
        "updated_at": now,
    }


def _treating(person: Person, doctor: DirectoryEntry, now: datetime) -> Row:
    return {
        "dossier_id": person.dossier_id,
        "professional_id": doctor.national_id,
        "role": "treating_physician",
        "designated_by_kind": "patient",
        "designated_by_id": str(person.account_id),
        "created_at": now,
    }


def document_rows(
    person: Person,
    count: int,
    rng: random.Random,
    now: datetime,
    directory: list[DirectoryEntry],
    *,
    status_mix: bool = True,
) -> list[Row]:
    """Metadata rows of ``count`` documents without content (a never-written blob key)."""
    mix = distribution.type_mix()
    rows = []
    for _ in range(count):
        document_type = mix.draw(rng)
        patient_side = document_type.patient_category == PATIENT_AUTHORED_CATEGORY
        created = now - timedelta(days=distribution.document_age_days(rng), minutes=rng.random())
        if patient_side:
            author = Author("patient", str(person.account_id), "Titulaire", None)
        else:
            entry = rng.choice(directory)
            author = Author("professional", entry.national_id, entry.name, entry.profession)
        roll = rng.random() if status_mix else 1.0
        row = _row(
            person,
            type_code=document_type.code,
            class_code=document_type.class_code,
            title=document_type.display[:300],
            created=created,
            submitted=min(created + timedelta(days=rng.randint(0, 20)), now),
            author=author,
            size=rng.randint(20_000, 400_000),
            sha256=rng.randbytes(32).hex(),
        )
        row["status"] = "deleted" if roll < 0.01 else "archived" if roll < 0.04 else "approved"
        row["masked_ps"] = (not patient_side) and rng.random() < distribution.MASKED_SHARE
        row["service_start"] = created if rng.random() < 0.5 else None
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Author:
    kind: str
    id: str
    name: str
    profession: str | None


def _row(
    person: Person,
    *,
    type_code: str,
    class_code: str,
    title: str,
    created: datetime,
    submitted: datetime,
    author: Author,
    size: int,
    sha256: str,
) -> Row:
    document_id = new_id()
    return {
        "dossier_id": person.dossier_id,
        "id": document_id,
        "unique_id": f"2.25.{document_id.int}",
        "logical_id": document_id,
        "version": 1,
        "replaces_id": None,
        "status": "approved",
        "class_code": class_code,
        "type_code": type_code,
        "format_code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
        "mime": "application/pdf",
        "size": size,
        "sha256": sha256,
        "title": title,
        "creation_time": created,
        "service_start": None,
        "service_end": None,
        "submitted_at": submitted,
        "updated_at": submitted,
        "author_kind": author.kind,
        "author_id": author.id,
        "author_name": author.name,
        "author_profession": author.profession,
        "author_specialty": None,
        "author_structure_id": None,
        "author_structure_name": None,
        "practice_setting": None,
        "language": "fr-FR",
        "masked_ps": False,
        "invisible_patient": False,
        "invisible_legal_reps": False,
        "search_title": _folded(title)[:300],
        "search_author": _folded(author.name)[:200],
        "blob_key": f"bench/{person.dossier_id.hex}/{document_id.hex}",
        "metadata_version": 1,
    }


@cache
def _folded(text: str) -> str:
    # Titles are type labels and authors come from a few thousand names: folding each
    # once instead of per row is a fifth of the generation time at a million dossiers.
    return fold(text)


def _history_document(person: Person, now: datetime) -> Row:
    """The class-60 "Données de remboursement" document the feed renders per dossier."""
    feed = ASSURANCE_MALADIE
    return _row(
        person,
        type_code="REMB",
        class_code="60",
        title="Données de remboursement",
        created=now,
        submitted=now,
        author=Author("feed", feed.id, feed.display_name or feed.id, None),
        size=30_000,
        sha256=uuid.uuid4().hex * 2,
    )


def care_lines(nir: str, count: int, rng: random.Random, today: date) -> Iterator[CareLine]:
    """``count`` plausible care lines of the last 24 months for one NIR."""
    known = sections()
    names = sorted(known)
    for _ in range(count):
        section = rng.choice(names)
        values = []
        for column in known[section][1]:
            if column.startswith("date_"):
                value = (today - timedelta(days=rng.randint(0, 700))).isoformat()
            elif column in ("quantite", "duree_sejour_jours"):
                value = str(rng.randint(1, 6))
            elif column == "coefficient":
                value = str(rng.choice((1, 1.5, 2, 12)))
            elif column == "hospital_flag":
                value = "H" if rng.random() < 0.1 else ""
            else:
                value = f"{column.upper()}-{rng.randint(1, 9999)}"
            values.append((column, value))
        care_date = date.fromisoformat(next(v for c, v in values if c.startswith("date_")))
        yield CareLine(nir, section, care_date, tuple(values), f"L{rng.getrandbits(48):x}")


def reimbursement_rows(rt: Runtime, person: Person, rng: random.Random, now: datetime) -> list[Row]:
    """Lines sealed and keyed with the dossier's key, as ``feeds.reimbursements`` does."""
    holder = Dossier(id=person.dossier_id, wrapped_key=person.wrapped_key)
    cipher = DossierCipher.of(rt, holder)
    count = max(1, int(rng.expovariate(1 / LINES_MEAN)))
    rows: dict[str, Row] = {}
    for line in care_lines(person.nir, count, rng, now.date()):
        line_hash = cipher.identity(line.canonical())
        rows[line_hash] = {
            "dossier_id": person.dossier_id,
            "line_hash": line_hash,
            "section": line.section,
            "care_date": line.care_date,
            "fields_ct": cipher.seal(LINE_PURPOSE, line_hash, line.as_dict()),
            "imported_at": now,
        }
    return list(rows.values())
