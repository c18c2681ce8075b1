"""The scheduler: the first feed planned at creation, periodic jobs once per period even
with several workers, failed jobs retried then given up, all on the injected clock."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dmp.db.engine import create_engine, create_session_factory
from dmp.documents.models import Document
from dmp.jobs.models import ScheduledJob
from dmp.jobs.scheduler import MAX_JOB_ATTEMPTS, JobContext, Periodic, run_due_jobs
from dmp.jobs.tasks import PERIODIC, REGISTRY
from dmp.jobs.worker import Worker
from dmp.kit.clock import FrozenClock
from dmp.runtime import build_runtime
from tests.builders.databases import fresh_database
from tests.builders.dossiers import a_dossier
from tests.builders.feeds import savepoint_factory
from tests.conftest import BACKENDS


async def jobs(session, kind: str | None = None) -> list[ScheduledJob]:
    query = select(ScheduledJob).order_by(ScheduledJob.run_at)
    if kind:
        query = query.where(ScheduledJob.kind == kind)
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        await session.refresh(row)
    return rows


async def test_creation_schedules_the_first_feed_a_day_later(session, rt, clock):
    created = await a_dossier(session, rt)
    [job] = await jobs(session, "first_feed")
    assert job.dossier_id == created.dossier_id and job.status == "pending"
    assert job.run_at == clock.now() + timedelta(hours=24)


async def test_in_the_demo_the_first_feed_is_immediate_and_fills_the_history(session, rt, clock):
    rt.settings = rt.settings.model_copy(update={"environment": "demo"})
    created = await a_dossier(session, rt)
    factory = savepoint_factory(session)
    report = await run_due_jobs(factory, rt=rt, registry=REGISTRY)
    assert report.done == ["first_feed"]
    [job] = await jobs(session, "first_feed")
    assert job.status == "done" and "démonstration" in job.result
    documents = await session.execute(
        select(Document).where(
            Document.dossier_id == created.dossier_id, Document.class_code == "60"
        )
    )
    assert len(list(documents.scalars())) == 1
    # Idempotent: nothing left to do, and running the feed again stores nothing new.
    assert (await run_due_jobs(factory, rt=rt, registry=REGISTRY)).done == []


async def test_without_a_source_the_first_feed_waits_for_the_insurer(session, rt, clock):
    await a_dossier(session, rt)
    factory = savepoint_factory(session)
    assert (await run_due_jobs(factory, rt=rt, registry=REGISTRY)).done == []
    clock.advance(timedelta(hours=24))
    assert (await run_due_jobs(factory, rt=rt, registry=REGISTRY)).done == ["first_feed"]
    [job] = await jobs(session, "first_feed")
    assert job.result == "en attente de l'envoi de l'Assurance Maladie"


async def test_periodic_jobs_run_once_per_period(session, rt, clock):
    calls = collections.Counter()

    async def count(ctx: JobContext) -> str:
        calls["daily"] += 1
        return "ok"

    daily = (Periodic("daily", timedelta(days=1), count),)
    factory = savepoint_factory(session)
    for _ in range(3):
        await run_due_jobs(factory, rt=rt, registry={"daily": count}, periodic=daily)
    assert calls["daily"] == 1
    clock.advance(timedelta(days=1))
    await run_due_jobs(factory, rt=rt, registry={"daily": count}, periodic=daily)
    assert calls["daily"] == 2


async def test_a_failing_job_is_retried_with_a_delay_then_given_up(session, rt, clock):
    async def broken(ctx: JobContext) -> str:
        raise RuntimeError("relay down")

    periodic = (Periodic("broken", timedelta(days=1), broken),)
    factory = savepoint_factory(session)
    for attempt in range(1, MAX_JOB_ATTEMPTS + 1):
        report = await run_due_jobs(factory, rt=rt, registry={"broken": broken}, periodic=periodic)
        assert report.failed == ["broken"], attempt
        [job] = await jobs(session, "broken")
        assert job.attempts == attempt and job.last_error == "RuntimeError"
        clock.advance(timedelta(minutes=2**attempt))
    assert job.status == "failed"


async def test_the_whole_catalogue_runs_on_an_empty_world(session, rt):
    worker = Worker(rt, savepoint_factory(session))
    report = await worker.tick()
    assert sorted(report.jobs.done) == sorted(p.name for p in PERIODIC)
    assert report.jobs.failed == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_several_workers_run_each_periodic_job_once(backend, tmp_path, settings):
    async with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url)
        calls = collections.Counter()

        async def count(ctx: JobContext) -> str:
            calls["n"] += 1
            await asyncio.sleep(0.01)  # overlap the workers' claims
            return "ok"

        periodic = tuple(Periodic(f"job{i}", timedelta(days=1), count) for i in range(6))
        registry = {p.name: count for p in periodic}
        clock = FrozenClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
        try:
            runs = [
                run_due_jobs(
                    create_session_factory(engine),
                    rt=build_runtime(settings, clock=clock),
                    registry=registry,
                    periodic=periodic,
                    limit=2,
                )
                for _ in range(3)
            ]
            reports = await asyncio.gather(*runs)
        finally:
            await engine.dispose()
        done = [kind for report in reports for kind in report.done]
        assert calls["n"] == 6 and sorted(done) == sorted(p.name for p in periodic)
