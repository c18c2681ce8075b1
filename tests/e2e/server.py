"""A real server for browser and HTTP-client tests: uvicorn in a thread on a free port,
a migrated SQLite file with the demo world seeded, and the local SMTP sink."""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from dmp.app import create_app
from dmp.cli.seed import SeededWorld, seed_world
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.notifications.sink import MailSink
from dmp.runtime import build_runtime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    world: SeededWorld
    mail: MailSink
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.mail.stop()


async def _prepare(settings: Settings) -> SeededWorld:
    engine = create_engine(settings.effective_database_url)
    await upgrade_engine(engine)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await seed_world(session, rt=build_runtime(settings))
    finally:
        await engine.dispose()


def start_live_server(folder: Path, **overrides: object) -> LiveServer:
    port, smtp_port = free_port(), free_port()
    settings = Settings(
        var_dir=folder,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
        base_url=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        **({"password_hash_time_cost": 1, "password_hash_memory_kib": 1024} | overrides),  # type: ignore[arg-type]
    )
    # A fresh loop in a thread: the caller may already be running one (pytest-asyncio).
    holder: dict[str, SeededWorld] = {}
    worker = threading.Thread(target=lambda: holder.update(world=asyncio.run(_prepare(settings))))
    worker.start()
    worker.join()
    mail = MailSink(folder / "mail", port=smtp_port)
    mail.start()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", settings, holder["world"], mail, server, thread)
