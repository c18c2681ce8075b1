"""Mappings between a document row and what the rest of the system sees of it: the facts
the policy decides on, the output model, the metadata snapshot kept in the history.

Kept in one place so that the facts a single-document decision uses and the columns a
list query filters on can never drift apart.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

from dmp.documents.metadata import ResolvedUpload
from dmp.documents.models import Document, DocumentRecord
from dmp.documents.schemas import AuthorKind, AuthorOut, DocumentIn, DocumentOut
from dmp.policy import Actor, ActorKind, DocumentFacts, DocumentStatus, Obligation, Visibility
from dmp.reference import DocumentType, document_classes, document_types, patient_categories

# Every document the patient authored is shown under this category, whatever its type
# (shared/reference/README.md). Checked against the reference list at import time.
PATIENT_AUTHORED_CATEGORY = "Expression libre"
if PATIENT_AUTHORED_CATEGORY not in patient_categories():  # pragma: no cover - data error
    raise RuntimeError(f"{PATIENT_AUTHORED_CATEGORY!r} is missing from patient-categories.csv")

HOLDER_SIDE = frozenset({ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE})
_AUTHOR_KINDS = {
    ActorKind.PATIENT: AuthorKind.PATIENT,
    ActorKind.LEGAL_REPRESENTATIVE: AuthorKind.PATIENT,
    ActorKind.PROFESSIONAL: AuthorKind.PROFESSIONAL,
    ActorKind.REGULATOR: AuthorKind.PROFESSIONAL,
}
# Shown as the author of what the patient side deposits: the holder is not named in
# their own dossier's listings, as in the traces.
_PATIENT_SIDE_NAMES = {
    ActorKind.PATIENT: "Titulaire",
    ActorKind.LEGAL_REPRESENTATIVE: "Représentant légal",
}


def author_kind_of(actor: Actor) -> AuthorKind:
    """Feeds, and any kind the policy will refuse anyway, count as feeds: the strictest
    rules on initial confidentiality codes apply to them."""
    return _AUTHOR_KINDS.get(actor.kind, AuthorKind.FEED)


def author_name_of(actor: Actor) -> str:
    return (_PATIENT_SIDE_NAMES.get(actor.kind) or actor.display_name or actor.id)[:200]


def fold(text: str) -> str:
    """Lower case without accents: how titles and author names are stored for search and
    how searched words are compared with them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_NO_VISIBILITY_CODE: frozenset[Visibility] = frozenset()
# Enum lookups by value, without the enum's call machinery (a row per listed document).
_STATUSES_BY_VALUE = {status.value: status for status in DocumentStatus}
_AUTHOR_KINDS_BY_VALUE = {kind.value: kind for kind in AuthorKind}


def status_of(document: DocumentRecord) -> DocumentStatus:
    return _STATUSES_BY_VALUE[document.status]


def visibility_of(document: DocumentRecord) -> frozenset[Visibility]:
    if not (document.masked_ps or document.invisible_patient or document.invisible_legal_reps):
        return _NO_VISIBILITY_CODE  # most documents
    codes = set()
    if document.masked_ps:
        codes.add(Visibility.MASQUE_PS)
    if document.invisible_patient:
        codes.add(Visibility.INVISIBLE_PATIENT)
    if document.invisible_legal_reps:
        codes.add(Visibility.INVISIBLE_REPRESENTANTS_LEGAUX)
    return frozenset(codes)


def set_visibility_flag(document: Document, code: Visibility, on: bool) -> None:
    if code is Visibility.MASQUE_PS:
        document.masked_ps = on
    elif code is Visibility.INVISIBLE_PATIENT:
        document.invisible_patient = on
    else:
        document.invisible_legal_reps = on


def facts_of(document: DocumentRecord, actor: Actor) -> DocumentFacts:
    """``actor_is_author`` is exactly ``author_id == actor.id``: the comparison the list
    filter's author bypass makes in SQL (see ``policy.listing.DocumentFacts``)."""
    return DocumentFacts(
        type_code=document.type_code,
        class_code=document.class_code,
        status=status_of(document),
        visibility=visibility_of(document),
        author_is_patient=document.author_kind == AuthorKind.PATIENT.value,
        actor_is_author=document.author_id == actor.id,
        author_id=document.author_id,
    )


def category_of(type_code: str, author_kind: str) -> str:
    return _category(document_types().get(type_code), author_kind)


def _category(known: DocumentType | None, author_kind: str) -> str:
    if author_kind == AuthorKind.PATIENT.value or known is None:
        return PATIENT_AUTHORED_CATEGORY
    return known.patient_category


def types_in_category(category: str) -> frozenset[str]:
    return frozenset(t.code for t in document_types().values() if t.patient_category == category)


def to_out(
    document: DocumentRecord,
    *,
    obligations: frozenset[Obligation] = frozenset(),
    selected: bool = False,
) -> DocumentOut:
    # Not validated again: the row's mapped types are exactly the output's (NOT NULL where
    # it wants a value). What comes in from outside is validated where it enters.
    known = document_types().get(document.type_code)
    return DocumentOut(
        id=document.id,
        dossier_id=document.dossier_id,
        logical_id=document.logical_id,
        version=document.version,
        replaces_id=document.replaces_id,
        unique_id=document.unique_id,
        status=status_of(document),
        class_code=document.class_code,
        class_display=document_classes().get(document.class_code, document.class_code),
        type_code=document.type_code,
        type_display=known.display if known else document.type_code,
        patient_category=_category(known, document.author_kind),
        format_code=document.format_code,
        mime=document.mime,
        size=document.size,
        sha256=document.sha256,
        title=document.title,
        creation_time=document.creation_time,
        service_start=document.service_start,
        service_end=document.service_end,
        submitted_at=document.submitted_at,
        updated_at=document.updated_at,
        author=AuthorOut(
            kind=_AUTHOR_KINDS_BY_VALUE[document.author_kind],
            id=document.author_id,
            name=document.author_name,
            profession=document.author_profession,
            specialty=document.author_specialty,
            structure_id=document.author_structure_id,
            structure_name=document.author_structure_name,
        ),
        practice_setting=document.practice_setting,
        language=document.language,
        visibility=visibility_of(document),
        metadata_version=document.metadata_version,
        selected=selected,
        obligations=obligations,
    )


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def new_version_row(
    *,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: Actor,
    upload: DocumentIn,
    resolved: ResolvedUpload,
    visibility: frozenset[Visibility],
    unique_id: str,
    blob_key: str,
    now: datetime,
    previous: Document | None,
) -> Document:
    """The row of a new document version deposited by ``actor``: author from the actor,
    facts from the content, the chain continued from ``previous`` when replacing."""
    info = resolved.content
    author_name = author_name_of(actor)
    return Document(
        dossier_id=dossier_id,
        id=document_id,
        unique_id=unique_id,
        logical_id=previous.logical_id if previous else document_id,
        version=previous.version + 1 if previous else 1,
        replaces_id=previous.id if previous else None,
        status=DocumentStatus.APPROVED.value,
        class_code=resolved.document_type.class_code,
        type_code=resolved.document_type.code,
        format_code=info.format_code,
        mime=info.mime,
        size=info.size,
        sha256=info.sha256,
        title=resolved.title,
        # Stored and returned in UTC, as the database gives them back.
        creation_time=resolved.creation_time.astimezone(UTC),
        service_start=_utc(upload.service_start),
        service_end=_utc(upload.service_end),
        submitted_at=now,
        updated_at=now,
        author_kind=author_kind_of(actor).value,
        author_id=actor.id,  # never cut: "actor_is_author" compares it with actor.id
        author_name=author_name,
        author_profession=actor.profession if actor.kind not in HOLDER_SIDE else None,
        author_specialty=actor.specialty or upload.author_specialty,
        author_structure_id=(actor.structure or upload.author_structure_id or None),
        author_structure_name=upload.author_structure_name,
        practice_setting=upload.practice_setting,
        language=resolved.language,
        masked_ps=Visibility.MASQUE_PS in visibility,
        invisible_patient=Visibility.INVISIBLE_PATIENT in visibility,
        invisible_legal_reps=Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in visibility,
        search_title=fold(resolved.title)[:300],
        search_author=fold(author_name)[:200],
        blob_key=blob_key,
        metadata_version=1,
    )


def snapshot(document: Document) -> dict[str, Any]:
    """The metadata of one version as JSON: what the history keeps of it."""

    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "status": document.status,
        "unique_id": document.unique_id,
        "version": document.version,
        "replaces_id": str(document.replaces_id) if document.replaces_id else None,
        "class_code": document.class_code,
        "type_code": document.type_code,
        "format_code": document.format_code,
        "mime": document.mime,
        "size": document.size,
        "sha256": document.sha256,
        "title": document.title,
        "creation_time": when(document.creation_time),
        "service_start": when(document.service_start),
        "service_end": when(document.service_end),
        "submitted_at": when(document.submitted_at),
        "author": {
            "kind": document.author_kind,
            "id": document.author_id,
            "name": document.author_name,
            "profession": document.author_profession,
            "specialty": document.author_specialty,
            "structure_id": document.author_structure_id,
            "structure_name": document.author_structure_name,
        },
        "practice_setting": document.practice_setting,
        "language": document.language,
        "visibility": sorted(code.value for code in visibility_of(document)),
    }
