"""A worker process for the crash tests: one delivery round of the real worker, which
kills itself with SIGKILL at a chosen point (``--kill-at STAGE:N``: at the N-th
checkpoint of that stage). Run as ``python -m tests.notifications.crash_worker``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import uuid
from datetime import datetime
from pathlib import Path

from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.jobs.lock import single_worker
from dmp.jobs.worker import Worker
from dmp.kit.clock import FrozenClock
from dmp.runtime import build_runtime


def settings_for(url: str, var_dir: Path, master_key: str, smtp_port: int) -> Settings:
    return Settings(
        var_dir=var_dir,
        database_url=url,
        master_key=master_key,
        environment="test",
        smtp_port=smtp_port,
        outbox_batch_size=100,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )


async def main(arguments: argparse.Namespace) -> None:
    settings = settings_for(arguments.url, Path(arguments.var), arguments.key, arguments.smtp_port)
    stage, _, count = (arguments.kill_at or "::").partition(":")
    seen = {"n": 0}

    def checkpoint(name: str, _message_id: uuid.UUID) -> None:
        if name == stage:
            seen["n"] += 1
            if seen["n"] == int(count):
                os.kill(os.getpid(), signal.SIGKILL)

    with single_worker(settings.effective_database_url):
        rt = build_runtime(settings, clock=FrozenClock(datetime.fromisoformat(arguments.now)))
        engine = create_engine(settings.effective_database_url)
        try:
            worker = Worker(rt, create_session_factory(engine), checkpoint=checkpoint)
            await worker.deliver()
        finally:
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("--url", "--var", "--key", "--now"):
        parser.add_argument(name, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--kill-at", default="")
    asyncio.run(main(parser.parse_args()))
