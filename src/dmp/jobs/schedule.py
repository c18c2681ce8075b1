"""Scheduling work from a service, in the caller's transaction (so a rolled-back
creation schedules nothing). Kept free of imports of other domains: the dossiers
service imports it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.engine import dialect_insert
from dmp.jobs.models import ScheduledJob
from dmp.kit.ids import new_id
from dmp.runtime import Runtime

FIRST_FEED = "first_feed"


async def schedule_job(
    session: AsyncSession,
    *,
    rt: Runtime,
    kind: str,
    job_key: str,
    run_at: datetime,
    dossier_id: uuid.UUID | None = None,
) -> bool:
    """Inserts the job unless one with the same key exists; True if inserted."""
    insert = dialect_insert(session)
    statement = (
        insert(ScheduledJob)
        .values(
            id=new_id(),
            job_key=job_key[:200],
            kind=kind,
            dossier_id=dossier_id,
            run_at=run_at,
            status="pending",
            attempts=0,
            created_at=rt.clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["job_key"])
        .returning(ScheduledJob.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def schedule_first_feed(session: AsyncSession, *, rt: Runtime, dossier_id: uuid.UUID) -> None:
    """The Assurance Maladie's first feed of a new dossier (24 h later; at once in the demo)."""
    delay = timedelta(seconds=rt.settings.effective_first_feed_delay_seconds)
    await schedule_job(
        session,
        rt=rt,
        kind=FIRST_FEED,
        job_key=f"{FIRST_FEED}:{dossier_id}",
        run_at=rt.clock.now() + delay,
        dossier_id=dossier_id,
    )
