"""The professional directory (a replicated reference table, importable from a CSV extract)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class Professional(Base):
    __tablename__ = "professional"

    national_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    profession_code: Mapped[str] = mapped_column(String(8))
    specialty: Mapped[str | None] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(100))
    given_names: Mapped[str] = mapped_column(String(200))
    structure_id: Mapped[str | None] = mapped_column(String(32))
    structure_name: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
