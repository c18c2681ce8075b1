"""Inputs and outputs of the documents domain (pydantic: validated at every edge).

Metadata is shaped on IHE XDS as profiled by the ANS: ``type_code`` / ``class_code`` are
XDS typeCode / classCode, ``unique_id`` the uniqueId, ``creation_time`` the creationTime,
``service_start`` / ``service_end`` the serviceStartTime / serviceStopTime,
``practice_setting`` the practiceSettingCode, ``visibility`` the TRE_A07 confidentiality
codes carried on top of the always-present ``N``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from dmp.policy import DocumentStatus, Obligation, Visibility


class AuthorKind(StrEnum):
    PROFESSIONAL = "professional"
    PATIENT = "patient"  # the holder or a legal representative: "Expression libre"
    FEED = "feed"  # Assurance Maladie, Dossier Pharmaceutique


class DocumentIn(BaseModel):
    """What a depositor sends with the content. The author is the authenticated actor;
    size, hash and format are computed by the server. For a CDA, the header fills the
    title, creation time, language and unique id when they are not sent, and must agree
    with what is sent."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    type_code: str = Field(min_length=1, max_length=32)
    class_code: str | None = Field(default=None, max_length=8)
    mime: str = Field(min_length=1, max_length=100)
    title: str | None = Field(default=None, max_length=300)
    creation_time: AwareDatetime | None = None
    service_start: AwareDatetime | None = None
    service_end: AwareDatetime | None = None
    unique_id: str | None = Field(default=None, max_length=128, pattern=r"^[0-9A-Za-z.^_:-]+$")
    practice_setting: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    # None on a replacement means "keep the replaced version's codes".
    visibility: frozenset[Visibility] | None = None
    sha256: str | None = Field(default=None, max_length=100)  # hex, or base64 as in FHIR
    author_specialty: str | None = Field(default=None, max_length=80)
    author_structure_id: str | None = Field(default=None, max_length=32)
    author_structure_name: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _service_period(self) -> DocumentIn:
        if self.service_start and self.service_end and self.service_end < self.service_start:
            raise ValueError("service_end precedes service_start")
        return self


# The outputs below are not pydantic models: they are built from database rows (already
# typed by the mapping), never from outside input, and a search builds one per listed
# document on every request. A NamedTuple is immutable and built in one C call, where a
# frozen dataclass sets its 30 fields one ``object.__setattr__`` at a time and
# ``model_construct`` cost more still.
class AuthorOut(NamedTuple):
    kind: AuthorKind
    id: str
    name: str
    profession: str | None = None
    specialty: str | None = None
    structure_id: str | None = None
    structure_name: str | None = None


class DocumentOut(NamedTuple):
    """One document version's metadata. ``obligations`` are those of the decision that
    returned it: a caller showing the document must honour them (the break-glass banner,
    the "hidden from the legal representatives" marker…)."""

    id: uuid.UUID
    dossier_id: uuid.UUID
    logical_id: uuid.UUID
    version: int
    replaces_id: uuid.UUID | None
    unique_id: str
    status: DocumentStatus
    class_code: str
    class_display: str
    type_code: str
    type_display: str
    patient_category: str
    format_code: str
    mime: str
    size: int
    sha256: str
    title: str
    creation_time: datetime
    service_start: datetime | None
    service_end: datetime | None
    submitted_at: datetime
    updated_at: datetime
    author: AuthorOut
    practice_setting: str | None
    language: str
    visibility: frozenset[Visibility]
    metadata_version: int
    selected: bool = False
    obligations: frozenset[Obligation] = frozenset()


@dataclass(frozen=True, slots=True)
class DocumentContent:
    """The content read back, byte for byte, with the metadata it belongs to."""

    document: DocumentOut
    data: bytes
    obligations: frozenset[Obligation]


class MetadataVersionOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_id: uuid.UUID
    metadata_version: int
    change: str
    changed_at: datetime
    changed_by_kind: str
    changed_by_id: str
    snapshot: dict[str, object]


class SortKey(StrEnum):
    CREATION_TIME = "creation_time"  # the document's own date (the usual listing)
    SUBMITTED_AT = "submitted_at"  # when it entered the DMP ("Documents récents")


class DocumentSearch(BaseModel):
    """Filters of a search within one dossier; every filter narrows (AND). Empty sets
    mean "no filter". Dates are inclusive. A search without dates returns everything the
    actor may see (the 2-year first view is the portals' choice, DESIGN.md §4.12)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    statuses: frozenset[DocumentStatus] = frozenset({DocumentStatus.APPROVED})
    class_codes: frozenset[str] = frozenset()
    type_codes: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()  # patient-facing categories
    created_from: AwareDatetime | None = None
    created_to: AwareDatetime | None = None
    # A document matches when its service period overlaps [service_from, service_to].
    service_from: AwareDatetime | None = None
    service_to: AwareDatetime | None = None
    submitted_from: AwareDatetime | None = None
    submitted_to: AwareDatetime | None = None
    author_name: str | None = Field(default=None, max_length=200)
    author_kinds: frozenset[AuthorKind] = frozenset()
    practice_settings: frozenset[str] = frozenset()
    # Documents carrying every one of these confidentiality codes.
    security_labels: frozenset[Visibility] = frozenset()
    title_words: str | None = Field(default=None, max_length=300)
    only_selected: bool = False
    logical_id: uuid.UUID | None = None  # one document's version chain
    sort: SortKey = SortKey.CREATION_TIME
    limit: int = Field(default=50, ge=1, le=500)
    # Keyset pagination (``cursor`` from the previous page) or, for page numbers, offset.
    cursor: str | None = Field(default=None, max_length=200)
    offset: int = Field(default=0, ge=0, le=100_000)


@dataclass(frozen=True, slots=True)
class DocumentPage:
    items: list[DocumentOut]
    next_cursor: str | None
    # What every listed document carries (trace; in emergency modes, banner and notice).
    obligations: frozenset[Obligation]


class CategoryCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    count: int


class GcReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    examined: int
    kept_young: int  # unreferenced but within the grace period: maybe an upload in flight
    removed: int
    removed_temp_files: int = 0
