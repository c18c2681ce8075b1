"""The application of the portal tests: ``create_app`` on a freshly migrated database
(a SQLite file of its own, or a PostgreSQL database created for it and dropped after)
with the demo world seeded, a frozen clock and the real SMTP sink."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from dmp.app import create_app
from dmp.cli.seed import SeededWorld, seed_world
from dmp.config import Settings
from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.kit.clock import FrozenClock
from dmp.notifications.sink import MailSink
from tests.auth.people import free_port
from tests.conftest import POSTGRES_URL, _create_pg_database, _drop_pg_database

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class SeededApp:
    app: FastAPI
    settings: Settings
    clock: FrozenClock
    world: SeededWorld
    mail: MailSink


async def seeded_app(folder: Path, backend: str) -> AsyncIterator[SeededApp]:
    database_url = f"sqlite+aiosqlite:///{folder / 'portal.sqlite3'}"
    if backend == "postgresql":
        database_url = await _create_pg_database(POSTGRES_URL)
    smtp_port = free_port()
    mail = MailSink(folder / "mail", port=smtp_port)
    mail.start()
    settings = Settings(
        var_dir=folder / "var",
        database_url=database_url,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
        smtp_port=smtp_port,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )
    engine = create_engine(database_url)
    await upgrade_engine(engine)
    await engine.dispose()
    clock = FrozenClock(NOW)
    app = create_app(settings, clock=clock)
    async with unit_of_work(app.state.session_factory) as session:
        world = await seed_world(session, rt=app.state.runtime)
    try:
        yield SeededApp(app, settings, clock, world, mail)
    finally:
        await app.state.engine.dispose()
        mail.stop()
        if backend == "postgresql":
            await _drop_pg_database(POSTGRES_URL, database_url)
