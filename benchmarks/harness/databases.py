"""The run's own databases: a SQLite file in the work directory, or a PostgreSQL database
``dmp_bench_<random>`` created on the given server and dropped at the end (``WITH
(FORCE)``: the server under test may still hold connections if it was killed)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DEFAULT_PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def _admin_connection(admin_url: str) -> asyncpg.Connection:
    url = make_url(admin_url)
    return await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )


async def postgresql_version(admin_url: str) -> str:
    """The server's version, or why it cannot be reached."""
    try:
        connection = await _admin_connection(admin_url)
    except (OSError, asyncpg.PostgresError) as error:
        return f"unreachable ({error.__class__.__name__})"
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


@dataclass
class BenchDatabase:
    kind: str
    url: str  # the SQLAlchemy URL the server and the harness use
    admin_url: str | None = None
    path: Path | None = None

    @property
    def name(self) -> str:
        return str(make_url(self.url).database)

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == SQLITE else "PostgreSQL"

    @classmethod
    async def create(cls, kind: str, folder: Path, admin_url: str) -> BenchDatabase:
        if kind == SQLITE:
            path = folder / "bench.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            return cls(kind, f"sqlite+aiosqlite:///{path}", path=path)
        name = f"dmp_bench_{secrets.token_hex(4)}"
        connection = await _admin_connection(admin_url)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        url: URL = make_url(admin_url).set(database=name)
        return cls(kind, url.render_as_string(hide_password=False), admin_url=admin_url)

    async def migrate(self) -> None:
        engine = create_engine(self.url)
        try:
            await upgrade_engine(engine)
        finally:
            await engine.dispose()

    async def drop(self) -> None:
        if self.kind == SQLITE:
            for suffix in ("", "-wal", "-shm"):
                if self.path is not None:
                    self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            return
        assert self.admin_url is not None
        name = make_url(self.url).database
        connection = await _admin_connection(self.admin_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    def asyncpg_dsn(self) -> str:
        """The same database for a bare asyncpg connection (the raw-query baseline)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
