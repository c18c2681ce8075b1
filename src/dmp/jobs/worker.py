"""``dmp worker``: delivers the outbox and runs the scheduler, tick after tick, until
stopped. Safe to restart at any moment: claims are leases, jobs are idempotent, and
every message and job outcome is committed as soon as it is known."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.documents.storage import settle_cleanups
from dmp.jobs.lock import single_worker
from dmp.jobs.scheduler import JobFunction, JobsReport, Periodic, run_due_jobs
from dmp.jobs.tasks import PERIODIC, REGISTRY
from dmp.kit.clock import Clock
from dmp.notifications.delivery import Channels, Checkpoint, DeliveryReport, deliver_due
from dmp.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)
MAX_ROUNDS = 20  # outbox batches per tick, so the scheduler is never starved


@dataclass
class TickReport:
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    jobs: JobsReport = field(default_factory=JobsReport)


class Worker:
    def __init__(
        self,
        rt: Runtime,
        factory: async_sessionmaker[AsyncSession],
        *,
        channels: Channels | None = None,
        checkpoint: Checkpoint | None = None,
        registry: dict[str, JobFunction] | None = None,
        periodic: Sequence[Periodic] = PERIODIC,
    ) -> None:
        self.rt = rt
        self.factory = factory
        self.channels = channels or Channels.from_runtime(rt)
        self.checkpoint = checkpoint
        self.registry = REGISTRY if registry is None else registry
        self.periodic = periodic

    async def deliver(self) -> DeliveryReport:
        total = DeliveryReport()
        batch = self.rt.settings.outbox_batch_size
        for _ in range(MAX_ROUNDS):
            report = await deliver_due(
                self.factory, rt=self.rt, channels=self.channels, checkpoint=self.checkpoint
            )
            for name in ("sent", "retried", "failed", "expired"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.statuses.update(report.statuses)
            if report.handled < batch:
                break
        return total

    async def tick(self) -> TickReport:
        delivery = await self.deliver()
        jobs = await run_due_jobs(
            self.factory, rt=self.rt, registry=self.registry, periodic=self.periodic
        )
        if jobs.done or jobs.failed:
            # A job may have started its own deliveries (a purge's notices…): out at once.
            more = await self.deliver()
            delivery.sent += more.sent
        await settle_cleanups()
        return TickReport(delivery, jobs)

    async def run(self, stop: asyncio.Event) -> None:
        poll = self.rt.settings.worker_poll_seconds
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # the database restarting, a relay down: try again next tick
                log.exception("worker tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll)


async def run_worker(
    settings: Settings, *, stop: asyncio.Event, clock: Clock | None = None, once: bool = False
) -> TickReport | None:
    """The process's worker: one per SQLite database (locked), any number on PostgreSQL."""
    url = settings.effective_database_url
    with single_worker(url):
        rt = build_runtime(settings, clock=clock)
        engine = create_engine(url)
        try:
            worker = Worker(rt, create_session_factory(engine))
            if once:
                return await worker.tick()
            await worker.run(stop)
            return None
        finally:
            await engine.dispose()


class BackgroundWorker:
    """A worker in a thread of its own, for ``dmp demo`` (one process, one command)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._main, name="dmp-worker", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(run_worker(self._settings, stop=self._stop))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
