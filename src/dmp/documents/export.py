"""Downloading the whole DMP: one zip with a page to open in any browser
(``index.html``), every document the asker may see (current and archived) and a FHIR
Bundle of their metadata.

One decision and one trace ("Téléchargement du DMP"), then the same access rule as a
search (``policy.document_filter``) chooses the documents in SQL: a legal representative's
copy leaves out what is hidden from them. The holder of a closed dossier may still
download it until it is purged.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import context_for, enforce
from dmp.access.facts import load_dossier_facts
from dmp.documents import search_statement, storage
from dmp.documents.export_files import (
    ExportedDocument,
    archive_path,
    index_html,
    metadata_bundle,
    slug,
)
from dmp.documents.records import to_out
from dmp.documents.schemas import DocumentSearch, SortKey
from dmp.dossiers.service import get_dossier
from dmp.dossiers.vault import open_json
from dmp.errors import AccessDenied
from dmp.policy import Action, Actor, Decision, DocumentStatus, document_filter
from dmp.runtime import Runtime

_BATCH = 200
_EXPORTED = frozenset({DocumentStatus.APPROVED, DocumentStatus.ARCHIVED})
README = (
    "Copie de votre Dossier Médical Partagé (DMP).\n\n"
    "Ouvrez le fichier index.html avec votre navigateur internet : il présente vos "
    "documents par catégorie et permet de les ouvrir.\n"
    "Le dossier documents/ contient chaque document tel qu'il a été déposé.\n"
    "Le fichier metadonnees/bundle-fhir.json décrit vos documents au format FHIR R4, "
    "lisible par un logiciel de santé.\n\n"
    "Ces données de santé sont personnelles : conservez cette copie en lieu sûr.\n"
)


@dataclass(frozen=True, slots=True)
class ExportSummary:
    documents: int
    filename: str


def _filename(identity: dict[str, Any], today: date) -> str:
    name = slug(f"{identity.get('given_names', '')} {identity.get('family_name', '')}")
    return f"mon-dmp-{name}-{today.isoformat()}.zip"


async def export_dossier(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    out: IO[bytes],
    doctor_present: bool = False,
) -> ExportSummary:
    """Writes the zip to ``out`` (a file or a spooled temporary file: a whole DMP may be
    large) and says how many documents it holds and how to name it."""
    dossier = await get_dossier(session, dossier_id)
    facts = await load_dossier_facts(
        session, dossier=dossier, actor=actor, today=rt.clock.now().date()
    )
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOSSIER_DOWNLOAD,
        dossier=dossier,
        facts=facts,
        doctor_present=doctor_present,
    )
    listing = document_filter(actor, facts, context_for(rt, doctor_present=doctor_present))
    if isinstance(listing, Decision):  # allowed to download, not to list: nothing to give
        raise AccessDenied(reason=listing.reason.value, action=Action.DOSSIER_DOWNLOAD.value)
    key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
    identity: dict[str, Any] = open_json(key, dossier.id, "identity", dossier.identity_ct) or {}
    now = rt.clock.now()
    exported: list[ExportedDocument] = []
    query = DocumentSearch(statuses=_EXPORTED, sort=SortKey.CREATION_TIME, limit=_BATCH)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        after = None
        while True:
            fetched = await search_statement.search(
                session,
                dossier_id=dossier.id,
                document_filter=listing,
                query=query,
                after=after,
                with_selected=False,
            )
            rows = search_statement.documents(fetched)
            for row, _ in rows[:_BATCH]:
                document = to_out(row)
                path = archive_path(len(exported) + 1, document)
                data = await storage.read_content(rt, dossier=dossier, document=row)
                archive.writestr(path, data)
                exported.append(ExportedDocument(document, path))
            if len(rows) <= _BATCH:
                break
            last = rows[_BATCH - 1][0]
            after = (last.creation_time, last.id)
        holder = f"{identity.get('given_names', '')} {identity.get('family_name', '')}".strip()
        born = identity.get("birth_date")
        archive.writestr(
            "index.html",
            index_html(
                holder_name=holder,
                birth_date=date.fromisoformat(born).strftime("%d/%m/%Y") if born else "",
                exported_at=now,
                documents=exported,
            ),
        )
        bundle = metadata_bundle(identity=identity, exported_at=now, documents=exported)
        archive.writestr(
            "metadonnees/bundle-fhir.json", orjson.dumps(bundle, option=orjson.OPT_INDENT_2)
        )
        archive.writestr("LISEZ-MOI.txt", README)
    return ExportSummary(len(exported), _filename(identity, now.date()))
