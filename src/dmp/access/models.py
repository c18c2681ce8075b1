"""Who may read a dossier besides its holder: authorizations, blocks, treating physicians;
and the renewed consent a minor owes on coming of age."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class Authorization(Base):
    """One row per (dossier, professional): authorized, revoked or blocked."""

    __tablename__ = "authorization"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    professional_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    granted_by_kind: Mapped[str] = mapped_column(String(32))
    granted_by_id: Mapped[str] = mapped_column(String(64))
    # True when a professional declared the patient's consent (the evidence of the grant).
    declared_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TreatingPhysician(Base):
    """A médecin traitant DMP, or a professional given the same "administrator" rights."""

    __tablename__ = "treating_physician"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    professional_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # treating_physician | administrator (widened from 16, too short for the first).
    role: Mapped[str] = mapped_column(String(24))
    designated_by_kind: Mapped[str] = mapped_column(String(32))
    designated_by_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MajorityConsent(Base):
    """A holder who came of age and has not yet consented to keep their dossier.

    The row exists only while the consent is awaited: recording the consent (kept on the
    dossier's consent record) deletes it, and so does the closure at ``due_at``.
    """

    __tablename__ = "majority_consent"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    came_of_age_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The deadline, fixed when the holder comes of age: changing the setting later does
    # not move the deadline already announced to the holder.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # The daily sweep looks for expired deadlines.
    __table_args__ = (Index("ix_majority_consent_due_at", "due_at"),)
