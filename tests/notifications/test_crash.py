"""The worker killed mid-batch (a real process, SIGKILL), then restarted: every message
is delivered, and delivered once, except in the one window no SMTP client can close —
accepted by the relay, not yet marked — where the message goes out again with the same
Message-ID (at-least-once, see docs/notifications.md)."""

from __future__ import annotations

import asyncio
import base64
import collections
import secrets
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.jobs.lock import WorkerAlreadyRunning, single_worker
from dmp.jobs.worker import Worker
from dmp.kit.clock import FrozenClock
from dmp.notifications.models import OutboxMessage
from dmp.notifications.outbox import enqueue, new_message
from dmp.notifications.sink import MailSink
from dmp.runtime import build_runtime
from tests.builders.databases import fresh_database
from tests.conftest import BACKENDS
from tests.notifications.conftest import free_port
from tests.notifications.crash_worker import settings_for

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MESSAGES = 10


class World:
    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.port = free_port()
        self.sink = MailSink(folder / "mail", port=self.port)

    def settings(self):
        return settings_for(self.url, self.folder / "var", self.key, self.port)

    async def queue(self, count: int) -> None:
        rt = build_runtime(self.settings(), clock=FrozenClock(NOW))
        engine = create_engine(self.url)
        try:
            async with unit_of_work(create_session_factory(engine)) as session:
                for index in range(count):
                    await enqueue(
                        session,
                        new_message(
                            rt,
                            dossier_id=None,
                            event="dossier_created",
                            event_key=f"e{index}",
                            channel="email",
                            address=f"patient{index:02d}@example.org",
                            payload={"subject": "Création", "body": "Bonjour", "sms": "x"},
                        ),
                    )
        finally:
            await engine.dispose()

    def run_worker(self, *, now: datetime, kill_at: str = "") -> int:
        command = [
            sys.executable,
            "-m",
            "tests.notifications.crash_worker",
            "--url",
            self.url,
            "--var",
            str(self.folder / "var"),
            "--key",
            self.key,
            "--now",
            now.isoformat(),
            "--smtp-port",
            str(self.port),
            "--kill-at",
            kill_at,
        ]
        return subprocess.run(command, cwd=ROOT, timeout=60, check=False).returncode

    def received(self) -> collections.Counter[str]:
        return collections.Counter(str(m["To"]) for m in self.sink.messages())

    def message_ids(self) -> collections.Counter[str]:
        return collections.Counter(str(m["Message-ID"]) for m in self.sink.messages())

    async def statuses(self) -> collections.Counter[str]:
        engine = create_engine(self.url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(select(OutboxMessage.status))
                return collections.Counter(status for (status,) in rows)
        finally:
            await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def world(request, tmp_path):
    async with fresh_database(request.param, tmp_path) as url:
        world = World(url, tmp_path)
        world.sink.start()
        try:
            yield world
        finally:
            world.sink.stop()


@pytest.mark.parametrize("kill_at", ["marked:4", "claimed:7"])
async def test_killed_mid_batch_then_restarted_every_message_arrives_once(world, kill_at):
    await world.queue(MESSAGES)
    assert world.run_worker(now=NOW, kill_at=kill_at) == -signal.SIGKILL
    delivered_before_crash = sum(world.received().values())
    assert delivered_before_crash < MESSAGES
    # The killed worker's claims hold until their lease ends; then the restart takes them.
    lease = timedelta(seconds=world.settings().outbox_lease_seconds)
    assert world.run_worker(now=NOW + lease + timedelta(seconds=1)) == 0
    received = world.received()
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}
    assert await world.statuses() == {"sent": MESSAGES}


async def test_a_crash_between_acceptance_and_mark_resends_with_the_same_message_id(world):
    await world.queue(MESSAGES)
    assert world.run_worker(now=NOW, kill_at="sent:3") == -signal.SIGKILL
    lease = timedelta(seconds=world.settings().outbox_lease_seconds)
    assert world.run_worker(now=NOW + lease + timedelta(seconds=1)) == 0
    received, ids = world.received(), world.message_ids()
    # At-least-once: the third message went out twice, recognisably the same message.
    assert len(received) == MESSAGES and sorted(received.values()) == [1] * 9 + [2]
    assert len(ids) == MESSAGES and sorted(ids.values()) == [1] * 9 + [2]
    assert await world.statuses() == {"sent": MESSAGES}


async def test_two_workers_at_once_share_the_work_without_duplicates(world):
    await world.queue(40)
    settings = world.settings().model_copy(update={"outbox_batch_size": 5})
    engine = create_engine(world.url)
    try:
        workers = [
            Worker(build_runtime(settings, clock=FrozenClock(NOW)), create_session_factory(engine))
            for _ in range(2)
        ]
        reports = await asyncio.gather(*(w.deliver() for w in workers))
    finally:
        await engine.dispose()
    assert sum(r.sent for r in reports) == 40
    assert set(world.received().values()) == {1} and len(world.received()) == 40


def test_only_one_worker_runs_on_a_sqlite_database(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}"
    with single_worker(url), pytest.raises(WorkerAlreadyRunning), single_worker(url):
        pass
    with single_worker(url):  # released when the first one ended
        pass
