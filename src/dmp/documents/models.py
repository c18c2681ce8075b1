"""Tables of the documents domain: one row per document version, the history of every
version's metadata, and the patient's selections.

``dossier_id`` leads every key and index so that the tables distribute by dossier (Citus)
and every per-patient query stays on one shard. Confidentiality codes are stored as three
booleans rather than a list: a list query then tests them with plain ``NOT column``
clauses on both databases.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class Document(Base):
    """One version of a document. Versions of the same document share ``logical_id`` (the
    first version's id); ``replaces_id`` points at the version this one deprecated."""

    __tablename__ = "document"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dossier.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # The producer's identifier (XDS uniqueId: an OID, root^extension for a CDA).
    unique_id: Mapped[str] = mapped_column(String(128))
    logical_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))  # approved|archived|deprecated|deleted

    class_code: Mapped[str] = mapped_column(String(8))
    type_code: Mapped[str] = mapped_column(String(32))
    format_code: Mapped[str] = mapped_column(String(128))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    creation_time: Mapped[datetime] = mapped_column(UTCDateTime)
    service_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author_kind: Mapped[str] = mapped_column(String(16))  # professional|patient|feed
    # The author's ``Actor.id``: what "only the author deletes" and the list filter compare.
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200))
    author_profession: Mapped[str | None] = mapped_column(String(8))
    author_specialty: Mapped[str | None] = mapped_column(String(80))
    author_structure_id: Mapped[str | None] = mapped_column(String(32))
    author_structure_name: Mapped[str | None] = mapped_column(String(200))
    practice_setting: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))

    masked_ps: Mapped[bool] = mapped_column(Boolean, default=False)
    invisible_patient: Mapped[bool] = mapped_column(Boolean, default=False)
    invisible_legal_reps: Mapped[bool] = mapped_column(Boolean, default=False)

    # Title and author folded (lower case, no accents) at write time: SQLite's lower()
    # folds ASCII only, and a French search for "echographie" must find "Échographie".
    search_title: Mapped[str] = mapped_column(String(300))
    search_author: Mapped[str] = mapped_column(String(200))

    blob_key: Mapped[str] = mapped_column(String(255))
    metadata_version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("dossier_id", "unique_id"),
        # Two concurrent replacements of one version cannot both become version n+1.
        UniqueConstraint("dossier_id", "logical_id", "version"),
        # One blob per row; also how garbage collection asks "is this blob referenced".
        UniqueConstraint("dossier_id", "blob_key"),
        # The default listing: current documents of a dossier, newest first.
        Index(
            "ix_document_dossier_id_status_creation_time", "dossier_id", "status", "creation_time"
        ),
        # "Documents récents": what was deposited lately.
        Index("ix_document_dossier_id_status_submitted_at", "dossier_id", "status", "submitted_at"),
        Index("ix_document_dossier_id_type_code", "dossier_id", "type_code"),
        Index("ix_document_dossier_id_class_code", "dossier_id", "class_code"),
        # The author bypass of the list filter, and "my own documents".
        Index("ix_document_dossier_id_author_id", "dossier_id", "author_id"),
    )


class DocumentRecord(Protocol):
    """What reading code may use of a document version: an ORM ``Document`` and a Core row
    of the ``document`` table both have it (listings load Core rows: building ORM objects
    cost more than the query). Only ``Document`` may be changed."""

    dossier_id: uuid.UUID
    id: uuid.UUID
    unique_id: str
    logical_id: uuid.UUID
    version: int
    replaces_id: uuid.UUID | None
    status: str
    class_code: str
    type_code: str
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
    author_kind: str
    author_id: str
    author_name: str
    author_profession: str | None
    author_specialty: str | None
    author_structure_id: str | None
    author_structure_name: str | None
    practice_setting: str | None
    language: str
    masked_ps: bool
    invisible_patient: bool
    invisible_legal_reps: bool
    search_title: str
    search_author: str
    blob_key: str
    metadata_version: int


class DocumentMetadataVersion(Base):
    """Every metadata version of a document version, the first one included: a change
    (archive, mask, visibility, deprecation, deletion) adds a row, nothing is overwritten."""

    __tablename__ = "document_metadata_version"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    metadata_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    change: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_kind: Mapped[str] = mapped_column(String(32))
    changed_by_id: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        ForeignKeyConstraint(["dossier_id", "document_id"], ["document.dossier_id", "document.id"]),
    )


class Selection(Base):
    """The patient's "Mes sélections": one row per selected document version."""

    __tablename__ = "selection"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    selected_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        ForeignKeyConstraint(["dossier_id", "document_id"], ["document.dossier_id", "document.id"]),
    )
