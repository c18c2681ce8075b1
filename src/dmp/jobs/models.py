"""The job table: deferred work (a dossier's first feed) and the runs of periodic jobs
(one row per period), both claimed the same way as outbox messages."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class ScheduledJob(Base):
    __tablename__ = "scheduled_job"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Idempotency: "first_feed:<dossier>", "dossier_purge@2026-03-02T00:00:00+00:00"…
    # Scheduling the same work twice is a no-op, and two workers cannot both plan a period.
    job_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Pending: due time. Running: end of the claim's lease (then a dead worker's job is
    # taken again: every job is idempotent).
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))  # pending|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_scheduled_job_status_run_at", "status", "run_at"),
        Index("ix_scheduled_job_dossier_id", "dossier_id"),
    )
