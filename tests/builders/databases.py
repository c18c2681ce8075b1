"""A fresh, migrated database whose commits are real: for tests where several processes
or connections must see each other's work (crash and concurrency tests). SQLite: a file
of the test's own; PostgreSQL: a database created for the test and dropped after."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine
from tests.conftest import POSTGRES_URL


async def _admin(statement: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database or "postgres"
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'fresh.sqlite3'}"
    else:
        name = f"dmp_test_{secrets.token_hex(6)}"
        await _admin(f'CREATE DATABASE "{name}"')
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()
    try:
        yield url
    finally:
        if backend != "sqlite":
            await _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
