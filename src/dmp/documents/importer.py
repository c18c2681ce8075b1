"""Bulk deposit of a folder of files, each with a JSON sidecar (``report.pdf`` +
``report.pdf.json``) describing it; the format is in ``docs/import-documents.md``.

Each file goes through ``add_document``, the path of every upload, in its own
transaction: one refused file does not undo the others, and a run can be repeated
(a file already deposited is recognised by its unique id and reported, not duplicated).

The deposit is made in the name of the author the sidecar names — the professional who
wrote the document, or a feed — never in the operator's: the author is who may later
replace or delete it, who appears in the patient's list and in the traces, and the
policy does not let the operator feed a dossier.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.db.uow import unit_of_work
from dmp.documents.errors import DocumentAlreadyExists, DocumentTooLarge, InvalidSidecar
from dmp.documents.schemas import DocumentIn, DocumentOut
from dmp.documents.service import add_document
from dmp.documents.storage import settle_cleanups
from dmp.dossiers.errors import DossierNotFound
from dmp.dossiers.service import find_living_dossier
from dmp.errors import DmpError, InvalidInput
from dmp.identity.directory import get_professional
from dmp.identity.national_id import parse_national_id
from dmp.policy import Actor, ActorKind
from dmp.reference import professions
from dmp.runtime import Runtime

SIDECAR_SUFFIX = ".json"
MIME_BY_EXTENSION = {
    ".pdf": "application/pdf",
    ".xml": "text/xml",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


class ProfessionalAuthor(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["professional"]
    national_id: str
    name: str | None = Field(default=None, max_length=200)
    profession: str | None = None
    specialty: str | None = Field(default=None, max_length=80)
    structure_id: str | None = Field(default=None, max_length=32)
    structure_name: str | None = Field(default=None, max_length=200)


class FeedAuthor(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["feed"]
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class Sidecar(DocumentIn):
    """The upload metadata plus its author; ``mime`` defaults from the file extension."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    mime: str = ""
    author: ProfessionalAuthor | FeedAuthor | None = Field(default=None, discriminator="kind")


@dataclass(frozen=True, slots=True)
class ImportEntry:
    path: Path
    sidecar: Sidecar


class Outcome(StrEnum):
    IMPORTED = "imported"
    ALREADY_PRESENT = "already_present"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ImportResult:
    name: str
    outcome: Outcome
    message: str = ""
    document_id: uuid.UUID | None = None


def read_folder(directory: Path) -> tuple[list[ImportEntry], list[ImportResult]]:
    """Pairs every file with its sidecar and validates the sidecars. Returns what can be
    imported and, already, what cannot (a file without sidecar, an unreadable one)."""
    if not directory.is_dir():
        raise InvalidInput(detail=f"{directory} n'est pas un dossier")
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    names = {p.name for p in files}
    entries: list[ImportEntry] = []
    problems: list[ImportResult] = []
    for path in files:
        if path.name.endswith(SIDECAR_SUFFIX):
            if path.name.removesuffix(SIDECAR_SUFFIX) not in names:
                problems.append(_refused(path.name, "fichier de métadonnées sans document"))
            continue
        sidecar_path = path.with_name(path.name + SIDECAR_SUFFIX)
        if sidecar_path.name not in names:
            problems.append(_refused(path.name, f"métadonnées absentes ({sidecar_path.name})"))
            continue
        try:
            entries.append(ImportEntry(path, _read_sidecar(path, sidecar_path)))
        except InvalidSidecar as error:
            problems.append(_refused(path.name, error.message("fr")))
    return entries, problems


def _refused(name: str, message: str) -> ImportResult:
    return ImportResult(name=name, outcome=Outcome.REFUSED, message=message)


def _read_sidecar(path: Path, sidecar_path: Path) -> Sidecar:
    try:
        raw = json.loads(sidecar_path.read_text(encoding="utf-8"))
        sidecar = Sidecar.model_validate(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidSidecar(file=sidecar_path.name, detail=str(error)) from None
    except ValidationError as error:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in error.errors()
        )
        raise InvalidSidecar(file=sidecar_path.name, detail=detail) from None
    if not sidecar.mime:
        mime = MIME_BY_EXTENSION.get(path.suffix.lower())
        if mime is None:
            detail = f"type MIME absent et extension {path.suffix or '(aucune)'} inconnue"
            raise InvalidSidecar(file=sidecar_path.name, detail=detail)
        sidecar = sidecar.model_copy(update={"mime": mime})
    return sidecar


async def author_of(
    session: AsyncSession, sidecar: Sidecar, *, default_author: Actor | None
) -> Actor:
    """The actor the deposit is made as. A professional is checked against the directory
    when listed there (the directory's profession wins; a contradiction is refused)."""
    author = sidecar.author
    if author is None:
        if default_author is None:
            raise InvalidInput(detail="auteur absent des métadonnées et aucun flux par défaut")
        return default_author
    if isinstance(author, FeedAuthor):
        return Actor(kind=ActorKind.FEED, id=author.id, display_name=author.name)
    national_id = parse_national_id(author.national_id)
    listed = await get_professional(session, national_id)
    profession, name = author.profession, author.name
    specialty, structure = author.specialty, author.structure_id
    if listed is not None:
        if profession and profession != listed.profession_code:
            listed_as = listed.profession_code
            raise InvalidInput(
                detail=f"profession {profession} contredite par l'annuaire ({listed_as})"
            )
        profession = listed.profession_code
        name = name or f"{listed.given_names} {listed.family_name}"
        specialty = specialty or listed.specialty
        structure = structure or listed.structure_id
    if profession not in professions():
        raise InvalidInput(detail=f"profession inconnue : {profession}")
    return Actor(
        kind=ActorKind.PROFESSIONAL,
        id=national_id,
        display_name=name or national_id,
        profession=profession,
        specialty=specialty,
        structure=structure,
    )


async def import_entry(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier_id: uuid.UUID,
    entry: ImportEntry,
    default_author: Actor | None = None,
) -> DocumentOut:
    """Deposits one file through ``add_document`` in ``session``'s transaction."""
    limit = rt.settings.max_document_bytes
    size = entry.path.stat().st_size
    if size > limit:  # refused before reading a huge file into memory
        raise DocumentTooLarge(size=size, limit=limit)
    content = entry.path.read_bytes()
    sidecar = entry.sidecar
    actor = await author_of(session, sidecar, default_author=default_author)
    upload = DocumentIn.model_validate(sidecar.model_dump(exclude={"author"}))
    if upload.unique_id is None and not upload.mime.endswith("xml"):
        # Derived from the content, so that running the import twice finds the document
        # already there instead of depositing it again (a CDA carries its own id).
        digest = int(hashlib.sha256(content).hexdigest()[:32], 16)
        upload = upload.model_copy(update={"unique_id": f"2.25.{digest}"})
    if isinstance(sidecar.author, ProfessionalAuthor) and sidecar.author.structure_name:
        upload = upload.model_copy(update={"author_structure_name": sidecar.author.structure_name})
    return await add_document(
        session, rt=rt, actor=actor, dossier_id=dossier_id, upload=upload, content=content
    )


async def import_folder(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    nir: str,
    entries: list[ImportEntry],
    default_author: Actor | None = None,
    on_result: Callable[[ImportResult], None] | None = None,
) -> list[ImportResult]:
    """Imports each entry in its own unit of work; never stops at a refused file."""
    async with unit_of_work(factory) as session:
        dossier = await find_living_dossier(session, rt=rt, nir=nir)
        if dossier is None:
            raise DossierNotFound(what="DMP")
        dossier_id = dossier.id
    results: list[ImportResult] = []
    try:
        for entry in entries:
            result = await _import_one(factory, rt, dossier_id, entry, default_author)
            results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        await settle_cleanups()  # blobs of refused files go before the process exits
    return results


async def _import_one(
    factory: async_sessionmaker[AsyncSession],
    rt: Runtime,
    dossier_id: uuid.UUID,
    entry: ImportEntry,
    default_author: Actor | None,
) -> ImportResult:
    name = entry.path.name
    try:
        async with unit_of_work(factory) as session:
            document = await import_entry(
                session, rt=rt, dossier_id=dossier_id, entry=entry, default_author=default_author
            )
    except DocumentAlreadyExists as error:
        return ImportResult(name, Outcome.ALREADY_PRESENT, error.message("fr"))
    except DmpError as error:
        return ImportResult(name, Outcome.REFUSED, error.message("fr"))
    return ImportResult(name, Outcome.IMPORTED, document_id=document.id)
