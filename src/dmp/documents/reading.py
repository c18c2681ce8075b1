"""Reading one document: its metadata, its content byte for byte, its metadata history
and its version chain. Each read is decided and traced (target: the document's id); the
decision's obligations (break-glass banner, "hidden from the legal representatives"
marker…) go back to the caller with what was read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.documents import repository, storage
from dmp.documents.loading import load_dossier_and_document
from dmp.documents.models import DocumentRecord
from dmp.documents.records import HOLDER_SIDE, facts_of, to_out
from dmp.documents.schemas import (
    DocumentContent,
    DocumentOut,
    DocumentPage,
    DocumentSearch,
    MetadataVersionOut,
)
from dmp.documents.search import search_documents
from dmp.dossiers.models import DossierRecord
from dmp.policy import Action, Actor, Decision, DocumentStatus, Obligation
from dmp.runtime import Runtime


async def _read(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool,
) -> tuple[DossierRecord, DocumentRecord, Decision]:
    dossier, facts, document = await load_dossier_and_document(
        session,
        dossier_id=dossier_id,
        document_id=document_id,
        actor=actor,
        today=rt.clock.now().date(),
    )
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_READ,
        dossier=dossier,
        facts=facts,
        document=facts_of(document, actor),
        target=str(document.id),
        doctor_present=doctor_present,
    )
    return dossier, document, decision


async def _selected(session: AsyncSession, actor: Actor, document: DocumentRecord) -> bool:
    # "Mes sélections" is the patient side's own organisation: nobody else is told.
    if actor.kind not in HOLDER_SIDE:
        return False
    return await repository.is_selected(session, document.dossier_id, document.id)


async def read_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentOut:
    """One version's metadata (deprecated versions included: the chain stays readable).
    The same decision and trace as reading its content: the content is just not fetched."""
    found = await find_document_content(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        doctor_present=doctor_present,
    )
    return found.document


@dataclass(frozen=True, slots=True)
class FoundContent:
    """A document whose reading is decided and traced, its content not yet fetched:
    ``read()`` fetches it from the blob store, with no database, so that a caller that
    commits first (decision 0009) does it outside the transaction."""

    document: DocumentOut
    obligations: frozenset[Obligation]
    _rt: Runtime
    _dossier: DossierRecord
    _record: DocumentRecord

    async def read(self) -> DocumentContent:
        """The content exactly as deposited, decrypted with the dossier's key and checked
        against the hash recorded at deposit (``ContentUnavailable`` otherwise)."""
        data = await storage.read_content(self._rt, dossier=self._dossier, document=self._record)
        return DocumentContent(document=self.document, data=data, obligations=self.obligations)


async def find_document_content(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> FoundContent:
    """Decides and traces the reading of a document's content; ``read()`` on the answer
    fetches it."""
    dossier, document, decision = await _read(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        doctor_present=doctor_present,
    )
    selected = await _selected(session, actor, document)
    return FoundContent(
        document=to_out(document, obligations=decision.obligations, selected=selected),
        obligations=decision.obligations,
        _rt=rt,
        _dossier=dossier,
        _record=document,
    )


async def read_document_content(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentContent:
    """The content exactly as deposited, decrypted with the dossier's key and checked
    against the hash recorded at deposit."""
    found = await find_document_content(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        doctor_present=doctor_present,
    )
    return await found.read()


async def document_history(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> list[MetadataVersionOut]:
    """Every metadata version of one document version, oldest first (a traced read)."""
    await _read(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        doctor_present=doctor_present,
    )
    return [
        MetadataVersionOut(
            document_id=row.document_id,
            metadata_version=row.metadata_version,
            change=row.change,
            changed_at=row.changed_at,
            changed_by_kind=row.changed_by_kind,
            changed_by_id=row.changed_by_id,
            snapshot=row.snapshot,
        )
        for row in await repository.history(session, dossier_id, document_id)
    ]


async def document_versions(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentPage:
    """The version chain ``document_id`` belongs to, as the actor may list it: a search
    (one trace) narrowed to the chain, every status but deleted."""
    document = await repository.get_document(session, dossier_id, document_id)
    query = DocumentSearch(
        logical_id=document.logical_id,
        statuses=frozenset(DocumentStatus) - {DocumentStatus.DELETED},
        limit=500,
    )
    return await search_documents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        query=query,
        doctor_present=doctor_present,
    )
