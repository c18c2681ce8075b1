"""Checks an upload before anything is written: codes against the reference tables, the
content against its declared type, the CDA header against the metadata sent, and the
confidentiality codes a depositor may set. Pure (no database): every refusal here leaves
the dossier untouched and writes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from dmp.documents.errors import (
    CdaMetadataMismatch,
    ClassTypeMismatch,
    CreationTimeInFuture,
    MissingMetadata,
    UnknownClassCode,
    UnknownTypeCode,
    Unmaskable,
    VisibilityConflict,
    VisibilityNotAllowed,
)
from dmp.documents.formats import ContentInfo, check_declared_hash, inspect_content
from dmp.documents.schemas import AuthorKind, DocumentIn
from dmp.policy import Visibility
from dmp.policy.vocabulary import REIMBURSEMENT_CLASS
from dmp.reference import DocumentType, document_classes, document_types

DEFAULT_LANGUAGE = "fr-FR"
# Producers' clocks and time zones differ; a creation time further ahead is an error.
_FUTURE_TOLERANCE = timedelta(days=1)
# Below this, inspecting inline is cheaper than a hop to a worker thread.
_INLINE_LIMIT = 256 * 1024
# What each kind of depositor may set at deposit. Professionals set any code (hiding a
# result pending the announcement consultation is the classic case); the patient side
# may only mask (the invisibility codes protect the patient or the minor from their own
# side); feeds push reimbursement data and dispensations as they are.
_SETTABLE_AT_DEPOSIT = {
    AuthorKind.PROFESSIONAL: frozenset(Visibility),
    AuthorKind.PATIENT: frozenset({Visibility.MASQUE_PS}),
    AuthorKind.FEED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class ResolvedUpload:
    document_type: DocumentType
    content: ContentInfo
    title: str
    creation_time: datetime
    unique_id: str | None  # None: the service makes one
    language: str
    visibility: frozenset[Visibility] | None  # None: inherit (replacement) or none


def resolve_type(type_code: str, class_code: str | None) -> DocumentType:
    types = document_types()
    known = types.get(type_code)
    if known is None:
        valid = sorted(types)
        raise UnknownTypeCode(type_code=type_code, valid=valid, valid_list=", ".join(valid))
    if class_code is not None:
        classes = document_classes()
        if class_code not in classes:
            valid = sorted(classes)
            raise UnknownClassCode(class_code=class_code, valid=valid, valid_list=", ".join(valid))
        if class_code != known.class_code:
            raise ClassTypeMismatch(
                class_code=class_code, type_code=type_code, expected=known.class_code
            )
    return known


def check_visibility(
    visibility: frozenset[Visibility], *, class_code: str, author_kind: AuthorKind | None
) -> None:
    """The rules on a set of codes; ``author_kind`` None skips the depositor check (a
    replacement inheriting codes set earlier by whoever could set them)."""
    if not visibility:
        return
    if class_code == REIMBURSEMENT_CLASS:  # DESIGN.md §4.6: never masked nor hidden
        raise Unmaskable()
    if {Visibility.INVISIBLE_PATIENT, Visibility.MASQUE_PS} <= visibility:
        raise VisibilityConflict()
    if author_kind is not None:
        refused = visibility - _SETTABLE_AT_DEPOSIT[author_kind]
        if refused:
            raise VisibilityNotAllowed(visibility=", ".join(sorted(refused)))


async def inspect(data: bytes, *, declared_mime: str, max_bytes: int) -> ContentInfo:
    if len(data) > _INLINE_LIMIT:
        return await asyncio.to_thread(
            inspect_content, data, declared_mime=declared_mime, max_bytes=max_bytes
        )
    return inspect_content(data, declared_mime=declared_mime, max_bytes=max_bytes)


async def resolve_upload(
    upload: DocumentIn,
    content: bytes,
    *,
    author_kind: AuthorKind,
    max_bytes: int,
    now: datetime,
) -> ResolvedUpload:
    """Everything that can be refused without the database, cheapest checks first."""
    document_type = resolve_type(upload.type_code, upload.class_code)
    if upload.visibility is not None:
        check_visibility(
            upload.visibility, class_code=document_type.class_code, author_kind=author_kind
        )
    info = await inspect(content, declared_mime=upload.mime, max_bytes=max_bytes)
    check_declared_hash(info, upload.sha256)

    title, creation_time = upload.title, upload.creation_time
    unique_id, language = upload.unique_id, upload.language
    if info.cda is not None:
        cda = info.cda
        # The header is the document's own statement of what it is: metadata that
        # contradicts it would file the document under another identity or type.
        if cda.type_code != document_type.code:
            raise CdaMetadataMismatch(
                field="type_code", declared=document_type.code, found=cda.type_code
            )
        if unique_id is not None and unique_id != cda.unique_id:
            raise CdaMetadataMismatch(field="unique_id", declared=unique_id, found=cda.unique_id)
        if len(cda.unique_id) > 128:
            raise CdaMetadataMismatch(
                field="unique_id", declared=unique_id or "", found=cda.unique_id[:40] + "…"
            )
        unique_id = cda.unique_id
        title = title or cda.title
        creation_time = creation_time or cda.effective_at
        language = language or cda.language_code
    if not title:
        raise MissingMetadata(field="title")
    if creation_time is None:
        raise MissingMetadata(field="creation_time")
    if creation_time > now + _FUTURE_TOLERANCE:
        raise CreationTimeInFuture(creation_time=creation_time.isoformat())
    return ResolvedUpload(
        document_type=document_type,
        content=info,
        title=title[:300],
        creation_time=creation_time,
        unique_id=unique_id,
        language=(language or DEFAULT_LANGUAGE)[:16],
        visibility=upload.visibility,
    )
