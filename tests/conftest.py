"""Shared fixtures.

Integration tests run once per database backend: SQLite always, PostgreSQL as well when
``DMP_TEST_DATABASE_URL`` names a server (CI sets it). Each run creates its own
PostgreSQL database (``dmp_test_<random>``) and drops it at the end, so parallel or
repeated runs never collide. The schema is built by the Alembic migrations; each test
runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dmp.config import Settings
from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine
from dmp.kit.clock import FrozenClock
from dmp.runtime import Runtime, build_runtime

POSTGRES_URL = os.environ.get("DMP_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


async def _create_pg_database(admin_url: str) -> str:
    import asyncpg

    name = f"dmp_test_{secrets.token_hex(6)}"
    url = make_url(admin_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database or "postgres"
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(admin_url: str, test_url: str) -> None:
    import asyncpg

    url = make_url(admin_url)
    name = make_url(test_url).database
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database or "postgres"
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dmp")


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, session_tmp: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{session_tmp / 'test.sqlite3'}"
        return
    url = await _create_pg_database(POSTGRES_URL)
    try:
        yield url
    finally:
        await _drop_pg_database(POSTGRES_URL, url)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_engine(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def own_engine(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The backend of ``database_url``, in a database of the test's own: for what commits
    (or reads from another connection), which the shared rolled-back transaction cannot
    show."""
    if database_url.startswith("sqlite"):
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'own.sqlite3'}")
        await upgrade_engine(engine)
        yield engine
        await engine.dispose()
        return
    url = await _create_pg_database(POSTGRES_URL)
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
        yield engine
    finally:
        await engine.dispose()
        await _drop_pg_database(POSTGRES_URL, url)


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction rolled back after the test; services' own
    savepoints and flushes work as usual."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        db = AsyncSession(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        try:
            yield db
        finally:
            await db.close()
            if transaction.is_active:
                await transaction.rollback()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
        # Real argon2id at a test cost: the production cost is a setting, not a behaviour.
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )


@pytest.fixture
def rt(settings: Settings, clock: FrozenClock) -> Runtime:
    return build_runtime(settings, clock=clock)
