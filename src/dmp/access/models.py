"""Who may read a dossier besides its holder: authorizations, blocks, treating physicians."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, String, Uuid
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
    role: Mapped[str] = mapped_column(String(16))  # treating_physician | administrator
    designated_by_kind: Mapped[str] = mapped_column(String(32))
    designated_by_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
