"""The trace table (append-only) and the per-dossier chain head that serialises appends."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class Trace(Base):
    __tablename__ = "trace"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_profession: Mapped[str | None] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str | None] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(8))  # allowed | denied
    reason: Mapped[str] = mapped_column(String(48))
    matrix_version: Mapped[str | None] = mapped_column(String(40))
    # Free text that may be medical (a break-glass justification): encrypted with the
    # dossier's data key, so it disappears with the dossier at purge.
    detail_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_trace_dossier_id_at", "dossier_id", "at"),)


class TraceHead(Base):
    """Last sequence number and hash of each dossier's chain; its row lock orders appends."""

    __tablename__ = "trace_head"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
