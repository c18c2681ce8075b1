"""The scheduler: plans periodic runs, claims due jobs, runs them, records the outcome.

Several workers may run it at once on PostgreSQL: a period is planned by inserting its
row under a unique key (the second insert does nothing), and due rows are claimed with
``FOR UPDATE SKIP LOCKED`` and a lease. On SQLite one worker runs (``jobs.lock``). A
worker that dies mid-job leaves a running row whose lease ends; the job is then taken
again, which is safe because every job is idempotent (it re-reads what is due).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.db.uow import unit_of_work
from dmp.jobs.models import ScheduledJob
from dmp.jobs.schedule import schedule_job
from dmp.runtime import Runtime

log = logging.getLogger(__name__)
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
JOB_LEASE = timedelta(minutes=30)
MAX_JOB_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job gets: it opens its own units of work (one per dossier for purges)."""

    factory: async_sessionmaker[AsyncSession]
    rt: Runtime
    dossier_id: uuid.UUID | None = None


JobFunction = Callable[[JobContext], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    every: timedelta
    run: JobFunction


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    dossier_id: uuid.UUID | None
    attempts: int


@dataclass
class JobsReport:
    planned: int = 0
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period ``now`` falls in, periods counted from a fixed epoch (UTC)."""
    return _EPOCH + ((now - _EPOCH) // every) * every


async def plan_periodic(session: AsyncSession, *, rt: Runtime, periodic: Sequence[Periodic]) -> int:
    """Plans the current period of each periodic job (missed periods are not caught up:
    each run handles everything due by then)."""
    planned = 0
    for job in periodic:
        start = period_start(rt.clock.now(), job.every)
        planned += await schedule_job(
            session, rt=rt, kind=job.name, job_key=f"{job.name}@{start.isoformat()}", run_at=start
        )
    return planned


async def claim_jobs(session: AsyncSession, *, rt: Runtime, limit: int) -> list[ClaimedJob]:
    now = rt.clock.now()
    query = (
        select(ScheduledJob)
        .where(ScheduledJob.status.in_(("pending", "running")), ScheduledJob.run_at <= now)
        .order_by(ScheduledJob.run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        row.status = "running"
        row.attempts += 1
        row.run_at = now + JOB_LEASE
    await session.flush()
    return [ClaimedJob(row.id, row.kind, row.dossier_id, row.attempts) for row in rows]


async def _finish(
    session: AsyncSession, *, rt: Runtime, job: ClaimedJob, result: str | None, error: str | None
) -> None:
    now = rt.clock.now()
    values: dict[str, Any]
    if error is None:
        values = {"status": "done", "finished_at": now, "result": (result or "")[:200]}
    elif job.attempts >= MAX_JOB_ATTEMPTS:
        values = {"status": "failed", "finished_at": now, "last_error": error[:200]}
    else:  # retried later, with a growing delay
        delay = timedelta(minutes=2 ** (job.attempts - 1))
        values = {"status": "pending", "run_at": now + delay, "last_error": error[:200]}
    await session.execute(update(ScheduledJob).where(ScheduledJob.id == job.id).values(**values))


async def run_due_jobs(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    registry: dict[str, JobFunction],
    periodic: Sequence[Periodic] = (),
    limit: int = 20,
) -> JobsReport:
    report = JobsReport()
    async with unit_of_work(factory) as session:
        report.planned = await plan_periodic(session, rt=rt, periodic=periodic)
    async with unit_of_work(factory) as session:
        claimed = await claim_jobs(session, rt=rt, limit=limit)
    for job in claimed:
        function = registry.get(job.kind)
        result: str | None = None
        error: str | None = None
        if function is None:
            error = f"unknown job kind {job.kind}"
        else:
            try:
                result = await function(JobContext(factory, rt, job.dossier_id))
            except Exception as exc:  # a failed job is retried; the worker keeps going
                log.exception("job %s (%s) failed", job.kind, job.id)
                error = type(exc).__name__
        async with unit_of_work(factory) as session:
            await _finish(session, rt=rt, job=job, result=result, error=error)
        (report.done if error is None else report.failed).append(job.kind)
    return report


async def purge_finished_jobs(session: AsyncSession, *, rt: Runtime) -> int:
    limit = rt.clock.now() - timedelta(days=rt.settings.jobs_keep_days)
    result: Any = await session.execute(
        delete(ScheduledJob).where(
            ScheduledJob.status.in_(("done", "failed")), ScheduledJob.finished_at < limit
        )
    )
    return int(result.rowcount or 0)
