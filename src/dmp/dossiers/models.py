"""Tables of the dossier lifecycle. Identity and contact data are stored only encrypted
with the dossier's data key; the NIR is found through its blind index."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import JSON, Boolean, Date, Index, Integer, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class Dossier(Base):
    __tablename__ = "dossier"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    ins_index: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    # The data key wrapped by the master key; destroyed (NULL) when the dossier is purged.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    identity_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept in clear only for minors, so the majority job needs no decryption.
    majority_on: Mapped[date | None] = mapped_column(Date)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    creation_channel: Mapped[str] = mapped_column(String(24))
    created_by_kind: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[str] = mapped_column(String(64))
    # The consent record: who consented, when, through which channel, recorded by whom.
    consent_by: Mapped[str] = mapped_column(String(24))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_channel: Mapped[str] = mapped_column(String(24))
    consent_recorded_by: Mapped[str] = mapped_column(String(64))

    btg_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    etreat_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    masked_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_representative_doctor_only: Mapped[bool] = mapped_column(Boolean, default=False)
    notification_preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_reason: Mapped[str | None] = mapped_column(String(24))
    closed_by_kind: Mapped[str | None] = mapped_column(String(32))
    deletion_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    purge_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        # One living dossier per person; a purged tombstone does not count.
        Index(
            "uq_dossier_ins_index_living",
            "ins_index",
            unique=True,
            postgresql_where=text("status <> 'purged'"),
            sqlite_where=text("status <> 'purged'"),
        ),
        Index("ix_dossier_status_purge_after", "status", "purge_after"),
        Index("ix_dossier_majority_on", "majority_on"),
    )


class DossierRecord(Protocol):
    """What reading code may use of a dossier: an ORM ``Dossier`` and a Core row of the
    ``dossier`` table both have it (the API loads Core rows on the driver, ``db.direct``:
    building an ORM object and running it through the session cost more than the query).
    Only ``Dossier`` may be changed."""

    id: uuid.UUID
    ins_index: str
    status: str
    wrapped_key: bytes | None
    identity_ct: bytes | None
    contact_ct: bytes | None
    is_minor: bool
    majority_on: date | None
    created_at: datetime
    creation_channel: str
    created_by_kind: str
    created_by_id: str
    consent_by: str
    consent_at: datetime
    consent_channel: str
    consent_recorded_by: str
    btg_consent: bool
    etreat_consent: bool
    masked_consent: bool
    legal_representative_doctor_only: bool
    notification_preferences: dict[str, Any]
    closed_at: datetime | None
    closure_reason: str | None
    closed_by_kind: str | None
    deletion_requested: bool
    purge_after: datetime | None
    purged_at: datetime | None
    version: int


class LegalRepresentative(Base):
    __tablename__ = "legal_representative"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    identity_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PatientAccount(Base):
    """A login of the holder or of a legal representative (the auth domain adds the flows)."""

    __tablename__ = "patient_account"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    role: Mapped[str] = mapped_column(String(24))  # holder | legal_representative
    legal_representative_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    login_id: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CreationCode(Base):
    """The code printed on the letter that invites an insured person to create their DMP."""

    __tablename__ = "creation_code"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    ins_index: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(64))
