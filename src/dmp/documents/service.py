"""The life of a document: deposit, replacement, logical deletion, archiving.

Every operation checks what it can without the database first (so a refused upload
writes nothing), then asks the policy through ``access.enforce`` (which traces the
decision, allowed or denied) before changing anything, and only flushes: the caller's
unit of work commits. Every metadata change keeps the previous metadata version.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.access.facts import load_dossier_with_facts
from dmp.db.direct import flush_pending
from dmp.documents import repository, storage
from dmp.documents.errors import (
    ArchiveRefused,
    ConcurrentDeposit,
    DocumentAlreadyExists,
    DocumentNotCurrent,
)
from dmp.documents.metadata import ResolvedUpload, check_visibility, resolve_upload
from dmp.documents.models import Document
from dmp.documents.records import (
    HOLDER_SIDE,
    author_kind_of,
    facts_of,
    new_version_row,
    to_out,
)
from dmp.documents.schemas import DocumentIn, DocumentOut
from dmp.documents.storage import ContentWrittenAhead
from dmp.dossiers.models import DossierRecord
from dmp.dossiers.service import get_dossier
from dmp.kit.ids import new_id
from dmp.policy import Action, Actor, Decision, DocumentFacts, DocumentStatus, Visibility
from dmp.runtime import Runtime

_CURRENT = (DocumentStatus.APPROVED.value, DocumentStatus.ARCHIVED.value)


def _oid_of(value: uuid.UUID) -> str:
    """An OID for a producer who sent no unique id: the UUID arc of ITU-T X.667."""
    return f"2.25.{value.int}"


async def _resolve(rt: Runtime, actor: Actor, upload: DocumentIn, content: bytes) -> ResolvedUpload:
    return await resolve_upload(
        upload,
        content,
        author_kind=author_kind_of(actor),
        max_bytes=rt.settings.max_document_bytes,
        now=rt.clock.now(),
    )


async def validate_upload(
    *, rt: Runtime, actor: Actor, upload: DocumentIn, content: bytes
) -> ResolvedUpload:
    """Everything ``add_document`` would refuse before touching the database (codes,
    content against its declared type, hash, CDA header, confidentiality codes), without
    writing anything: lets a caller check a batch of documents before storing any. The
    result, handed to ``add_document`` or ``replace_document`` with the same upload,
    content and actor, spares them doing it all again (hashing and inspecting the content
    twice was a tenth of a deposit's CPU)."""
    return await _resolve(rt, actor, upload, content)


def _facts_of_new(
    actor: Actor, resolved: ResolvedUpload, visibility: frozenset[Visibility]
) -> DocumentFacts:
    return DocumentFacts(
        type_code=resolved.document_type.code,
        class_code=resolved.document_type.class_code,
        visibility=visibility,
        author_is_patient=actor.kind in HOLDER_SIDE,
        actor_is_author=True,
        author_id=actor.id,
    )


async def _store_new_version(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier: DossierRecord,
    actor: Actor,
    upload: DocumentIn,
    content: bytes,
    resolved: ResolvedUpload,
    document_id: uuid.UUID,
    visibility: frozenset[Visibility],
    change: str,
    previous: Document | None = None,
    ahead: ContentWrittenAhead | None = None,
) -> Document:
    """Blob first (durable; ``ahead`` if it was written before the transaction), then the
    row and its first metadata version in the caller's transaction. The ``Document``
    returned is not in the session: its row is written; change it through
    ``repository.get_document``."""
    # An id the server derives from a fresh random UUID is new by construction (and the
    # unique constraint still stands behind it): only a client's own id is looked up.
    unique_id = resolved.unique_id or _oid_of(document_id)
    if resolved.unique_id and await repository.unique_id_taken(session, dossier.id, unique_id):
        raise DocumentAlreadyExists(unique_id=unique_id)
    blob_key = await storage.write_content(
        session, rt=rt, dossier=dossier, data=content, ahead=ahead
    )
    now = rt.clock.now()
    document = new_version_row(
        dossier_id=dossier.id,
        document_id=document_id,
        actor=actor,
        upload=upload,
        resolved=resolved,
        visibility=visibility,
        unique_id=unique_id,
        blob_key=blob_key,
        now=now,
        previous=previous,
    )
    try:
        await flush_pending(session)  # pending ORM changes first, as a flush would order them
        await repository.insert_new_version(session, document, change=change, actor=actor, at=now)
    except IntegrityError:
        # A concurrent deposit took the unique id (or the version number) first.
        await storage.discard_content(rt, blob_key)
        raise ConcurrentDeposit() from None
    return document


async def add_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    upload: DocumentIn,
    content: bytes,
    doctor_present: bool = False,
    validated: ResolvedUpload | None = None,
    ahead: ContentWrittenAhead | None = None,
) -> DocumentOut:
    """Deposits a document authored by ``actor`` (a professional, the patient side or a
    feed). Refused, with nothing written: unknown or mismatched codes, content that is
    not what it claims, too large, a wrong client hash, a closed dossier. ``validated``:
    what ``validate_upload`` answered for this upload, content and actor; ``ahead``: this
    content as ``storage.write_ahead`` stored it before the transaction."""
    resolved = validated or await _resolve(rt, actor, upload, content)
    visibility = resolved.visibility or frozenset()
    dossier, facts = await load_dossier_with_facts(
        session, dossier_id=dossier_id, actor=actor, today=rt.clock.now().date()
    )
    document_id = new_id()
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_ADD,
        dossier=dossier,
        facts=facts,
        document=_facts_of_new(actor, resolved, visibility),
        target=str(document_id),
        doctor_present=doctor_present,
    )
    document = await _store_new_version(
        session,
        rt=rt,
        dossier=dossier,
        actor=actor,
        upload=upload,
        content=content,
        resolved=resolved,
        document_id=document_id,
        visibility=visibility,
        change="created",
        ahead=ahead,
    )
    return to_out(document, obligations=decision.obligations)


async def replace_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    upload: DocumentIn,
    content: bytes,
    doctor_present: bool = False,
    validated: ResolvedUpload | None = None,
    ahead: ContentWrittenAhead | None = None,
) -> DocumentOut:
    """A new version of ``document_id`` by its author; the replaced version becomes
    deprecated and stays readable in the chain. Confidentiality codes not sent are
    carried over, so a replacement never unmasks a document by omission. ``validated``
    and ``ahead`` as for ``add_document``."""
    resolved = validated or await _resolve(rt, actor, upload, content)
    dossier = await get_dossier(session, dossier_id)
    old = await repository.get_document(session, dossier_id, document_id, lock=True)
    visibility = resolved.visibility
    if visibility is None:
        visibility = frozenset(facts_of(old, actor).visibility)
        check_visibility(visibility, class_code=resolved.document_type.class_code, author_kind=None)
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_REPLACE,
        dossier=dossier,
        document=facts_of(old, actor),
        target=str(old.id),
        doctor_present=doctor_present,
    )
    if old.status not in _CURRENT:
        raise DocumentNotCurrent(status=old.status)
    now = rt.clock.now()
    new = await _store_new_version(
        session,
        rt=rt,
        dossier=dossier,
        actor=actor,
        upload=upload,
        content=content,
        resolved=resolved,
        document_id=new_id(),
        visibility=visibility,
        change="replacement",
        previous=old,
        ahead=ahead,
    )
    selected = await repository.is_selected(session, dossier_id, old.id)
    _change(old, now)
    old.status = DocumentStatus.DEPRECATED.value
    repository.record_version(session, old, change="deprecated", actor=actor, at=now)
    await session.flush()
    if selected:  # the patient selected the document, not one of its versions
        await repository.drop_selections(session, dossier_id, [old.id])
        await repository.set_selected(session, dossier_id, new.id, on=True, at=now)
    return to_out(new, obligations=decision.obligations, selected=selected)


def _change(document: Document, now: datetime) -> None:
    document.metadata_version += 1
    document.updated_at = now


async def _decide_on(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    action: Action,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool,
) -> tuple[Document, Decision]:
    dossier = await get_dossier(session, dossier_id)
    document = await repository.get_document(session, dossier_id, document_id, lock=True)
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=action,
        dossier=dossier,
        document=facts_of(document, actor),
        target=str(document.id),
        doctor_present=doctor_present,
    )
    return document, decision


async def delete_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentOut:
    """Logical deletion by the author (the patient side for its own documents) of the
    current version and of the versions it replaced: a deleted document must not stay
    readable through its history. Contents are kept until the dossier is purged."""
    document, decision = await _decide_on(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_DELETE,
        dossier_id=dossier_id,
        document_id=document_id,
        doctor_present=doctor_present,
    )
    if document.status not in _CURRENT:
        raise DocumentNotCurrent(status=document.status)
    now = rt.clock.now()
    versions = await repository.versions_of(session, dossier_id, document.logical_id, lock=True)
    for version in versions:
        _change(version, now)
        version.status = DocumentStatus.DELETED.value
        repository.record_version(session, version, change="deleted", actor=actor, at=now)
    await repository.drop_selections(session, dossier_id, [v.id for v in versions])
    await session.flush()
    return to_out(document, obligations=decision.obligations)


async def _set_archived(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    archived: bool,
    doctor_present: bool,
) -> DocumentOut:
    document, decision = await _decide_on(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_ARCHIVE,
        dossier_id=dossier_id,
        document_id=document_id,
        doctor_present=doctor_present,
    )
    expected, target = DocumentStatus.APPROVED, DocumentStatus.ARCHIVED
    if not archived:
        expected, target = target, expected
    if document.status != expected.value:
        detail = ("seul un document en vigueur s'archive", "only a current document is archived")
        if not archived:
            detail = ("seul un document archivé se désarchive", "only an archived one is restored")
        raise ArchiveRefused(status=document.status, detail=detail[0], detail_en=detail[1])
    now = rt.clock.now()
    _change(document, now)
    document.status = target.value
    change = "archived" if archived else "unarchived"
    repository.record_version(session, document, change=change, actor=actor, at=now)
    await session.flush()
    selected = await repository.is_selected(session, dossier_id, document.id)
    return to_out(document, obligations=decision.obligations, selected=selected)


async def archive_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentOut:
    """The patient side moves a current document to "Documents archivés"."""
    return await _set_archived(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        archived=True,
        doctor_present=doctor_present,
    )


async def unarchive_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentOut:
    return await _set_archived(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        archived=False,
        doctor_present=doctor_present,
    )
