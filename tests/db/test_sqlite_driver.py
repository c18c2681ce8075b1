"""The aiosqlite adapter's one-trip cursor (``dmp.db.sqlite_driver``): one hand-off to
SQLite's thread per statement, and the same results, counts and errors as before."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import greenlet_spawn

from dmp.db.direct import DirectStatement
from dmp.db.engine import create_engine


@pytest.fixture
async def sqlite_engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
        )
    yield engine
    await engine.dispose()


def _trips_to_the_thread(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """From now on, each function handed to SQLite's thread, in order."""
    trips: list[object] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        trips.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips


async def test_a_statement_with_rows_is_one_trip_to_the_thread(sqlite_engine, monkeypatch):
    async with sqlite_engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('a'), ('b')"))
        trips = _trips_to_the_thread(monkeypatch)
        rows = (await connection.execute(text("SELECT name FROM t ORDER BY id"))).all()
        assert trips and len(trips) == 1  # SQLAlchemy's own cursor made four
    assert [row.name for row in rows] == ["a", "b"]


async def test_returning_counts_and_last_row_id(sqlite_engine):
    async with sqlite_engine.begin() as connection:
        inserted = await connection.execute(
            text("INSERT INTO t (name) VALUES ('a'), ('b') RETURNING id")
        )
        assert [row.id for row in inserted] == [1, 2]
        one = await connection.execute(text("INSERT INTO t (name) VALUES ('c')"))
        assert one.lastrowid == 3
        updated = await connection.execute(text("UPDATE t SET name = name || '!' WHERE id < 3"))
        assert updated.rowcount == 2
        many = await connection.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "d"}, {"name": "e"}]
        )
        assert many.rowcount == 2
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 5
        first = await connection.execute(text("SELECT name FROM t ORDER BY id"))
        assert first.fetchmany(2) == [("a!",), ("b!",)]
        assert first.fetchone() == ("c",)


async def test_errors_are_the_dbapi_errors_and_the_connection_goes_on(sqlite_engine):
    async with sqlite_engine.connect() as connection:
        await connection.begin()
        await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await connection.rollback()
        async with connection.begin():
            await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 1


async def _know_threads(connection) -> Any:
    """Begins ``connection``'s transaction and teaches its SQLite ``thread_ident()``: the
    thread a statement runs on. Returns the adapted DBAPI connection."""
    await connection.begin()
    raw = (await connection.get_raw_connection()).dbapi_connection
    raw.sqlite.create_function("thread_ident", 0, threading.get_ident)
    return raw


async def test_a_direct_statement_runs_on_the_event_loops_thread(sqlite_engine):
    """No trip to SQLite's thread for the hot statements (decision 0009); the session's
    own statements still make theirs."""
    statement = DirectStatement(select(func.thread_ident()))
    async with sqlite_engine.connect() as connection:
        await _know_threads(connection)
        async with AsyncSession(bind=connection) as session:
            assert await statement.scalar(session, {}) == threading.get_ident()
            through_session = await session.scalar(select(func.thread_ident()))
            assert through_session != threading.get_ident()


async def test_a_direct_statement_waits_its_turn_on_a_busy_connection(sqlite_engine):
    statement = DirectStatement(select(func.thread_ident()))
    async with sqlite_engine.connect() as connection:
        raw = await _know_threads(connection)
        async with AsyncSession(bind=connection) as session:
            await statement.scalar(session, {})  # the session's connection is now kept
            async with raw._execute_mutex:  # a statement of the same connection under way
                waiting = asyncio.ensure_future(statement.scalar(session, {}))
                for _ in range(5):
                    await asyncio.sleep(0)
                assert not waiting.done()
            assert await waiting != threading.get_ident()  # then it ran, on SQLite's thread


async def test_begin_immediate_makes_no_trip_to_the_thread(sqlite_engine, monkeypatch):
    async with sqlite_engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")  # the connection is made: no trips left
        await connection.rollback()
        trips = _trips_to_the_thread(monkeypatch)
        await connection.begin()
        raw = (await connection.get_raw_connection()).dbapi_connection
        assert raw.sqlite.in_transaction
        assert trips == []
        await connection.rollback()


async def test_begin_waits_on_the_thread_for_a_writer_outside_the_gate(sqlite_engine, tmp_path):
    """A program writing without the gate (the sqlite3 shell) holds the lock: the begin
    waits for it in SQLite's busy handler, on SQLite's thread, while the loop goes on."""
    outsider = sqlite3.connect(tmp_path / "driver.sqlite3", isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    outsider.execute("INSERT INTO t (name) VALUES ('outside')")

    async def write() -> None:
        async with sqlite_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('inside')"))

    writing = asyncio.ensure_future(write())
    ticks = 0
    while ticks < 20:  # the loop is not held by the waiting begin
        await asyncio.sleep(0.005)
        ticks += 1
    assert not writing.done()
    outsider.execute("COMMIT")
    outsider.close()
    await asyncio.wait_for(writing, 5)
    async with sqlite_engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM t ORDER BY id"))).scalars()
        assert list(names) == ["outside", "inside"]
        # The busy handler was given back: the connection still waits, not fails.
        timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        assert timeout == 10_000


async def test_a_rollback_with_no_transaction_open_makes_no_trip(sqlite_engine, monkeypatch):
    pooled = await greenlet_spawn(sqlite_engine.sync_engine.pool.connect)
    adapted = pooled.dbapi_connection
    trips = _trips_to_the_thread(monkeypatch)
    await greenlet_spawn(adapted.rollback)  # the pool's reset of a connection read alone
    assert trips == []
    await greenlet_spawn(adapted.cursor().execute, "BEGIN")
    await greenlet_spawn(adapted.cursor().execute, "INSERT INTO t (name) VALUES ('undone')")
    await greenlet_spawn(adapted.rollback)
    assert len(trips) == 3 and not adapted.sqlite.in_transaction
    await greenlet_spawn(pooled.close)
    async with sqlite_engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(text("t")))).scalar() == 0
