"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util import await_only

from dmp.db.sqlite_driver import OneTripConnection, one_trip_dbapi

SQLITE_BUSY_TIMEOUT_S = 10


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; NORMAL sync is durable in WAL mode
    # except for the last commits on power loss, so FULL is kept for the record of care.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Nearly every transaction here writes (a read writes its trace): taking the write
    # lock up front avoids the read-then-upgrade deadlock SQLite answers with SQLITE_BUSY.
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection.begin_immediate(SQLITE_BUSY_TIMEOUT_S * 1000)
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _rollback_what_a_failed_commit_left(
    dbapi_connection: Any, _record: Any, reset_state: PoolResetState
) -> None:
    # A COMMIT that fails (a deferred foreign key, a full disk) can leave SQLite's
    # transaction open, while SQLAlchemy, having sent the COMMIT, counts the connection
    # as reset and skips its ROLLBACK. The connection would go back to the pool inside a
    # transaction, and every later BEGIN IMMEDIATE on it would fail. Runs before the
    # checkin, i.e. while the write gate is still held.
    if reset_state.transaction_was_reset and dbapi_connection.sqlite.in_transaction:
        dbapi_connection.rollback()


def _database_is_locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))


class SqliteWriteGate:
    """One write transaction at a time per database file, queued rather than polled.

    SQLite has one writer. Without this, a transaction waiting for the lock sits in
    SQLite's busy handler, which sleeps and polls (1, 2, 5… up to 100 ms): the lock is
    often free while every waiter sleeps, hence seconds of p99 under load. Here the
    transactions of one process wait on an ``asyncio.Lock`` (first come, first served),
    and the processes sharing the file (``--workers``, ``dmp worker``, a CLI command) on
    an exclusive ``flock`` of ``<database>-gate``: a waiting process is woken by the
    kernel the moment the holder lets go. The gate is taken when a transaction begins (CPU
    work done before the first statement stays outside it) and given back when the
    connection returns to the pool, after its COMMIT or ROLLBACK; waiting gives up after
    SQLite's own busy timeout. Another program writing to the file without the gate is
    still kept out by SQLite's lock and busy handler."""

    def __init__(self, timeout: float = SQLITE_BUSY_TIMEOUT_S, lock_file: Path | None = None):
        self.timeout = timeout
        self.lock_file = lock_file
        self._fd: int | None = None  # opened on first use, in the process that uses it
        # One lock per event loop: an asyncio.Lock belongs to the loop it first waits on.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._held: dict[int, asyncio.Lock] = {}  # by id() of the pool's connection record

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _acquire(self, lock: asyncio.Lock) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            await asyncio.wait_for(lock.acquire(), self.timeout)
        except TimeoutError:
            raise _database_is_locked() from None
        if self.lock_file is None:
            return
        try:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return  # no other process was writing: no thread needed
        except BlockingIOError:
            pass
        except BaseException:
            lock.release()
            raise
        waiting = loop.run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.wait_for(asyncio.shield(waiting), max(deadline - loop.time(), 0.0))
        except BaseException as error:
            # The thread may still get the file lock later: this process keeps its own
            # gate closed until then, so that no transaction of ours runs while that
            # lock is about to be dropped under it.
            waiting.add_done_callback(lambda _: self._release(lock))
            if isinstance(error, TimeoutError):
                raise _database_is_locked() from None
            raise

    def _file(self) -> int:
        if self._fd is None:
            assert self.lock_file is not None
            self._fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def _release(self, lock: asyncio.Lock) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        lock.release()

    def on_begin(self, connection: Any) -> None:
        record = connection.connection._connection_record
        if id(record) not in self._held:  # a second transaction of the same checkout
            lock = self._lock()
            await_only(self._acquire(lock))  # runs inside SQLAlchemy's greenlet
            self._held[id(record)] = lock

    def on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        lock = self._held.pop(id(record), None)
        if lock is not None:
            self._release(lock)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        on_disk = bool(parsed.database) and parsed.database != ":memory:"
        if on_disk:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        if parsed.get_driver_name() == "aiosqlite":
            # One trip to SQLite's thread per statement instead of four (see the module).
            kwargs.setdefault("module", one_trip_dbapi())
        engine = create_async_engine(url, **kwargs)
        gate = SqliteWriteGate(lock_file=Path(f"{parsed.database}-gate") if on_disk else None)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", gate.on_begin)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        event.listen(engine.sync_engine.pool, "reset", _rollback_what_a_failed_commit_left)
        event.listen(engine.sync_engine.pool, "checkin", gate.on_checkin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    if "pool_pre_ping" in kwargs:
        return create_async_engine(url, **kwargs)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine, idle_seconds=PING_AFTER_IDLE_S)
    return engine


PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: AsyncEngine, *, idle_seconds: float) -> None:
    """``pool_pre_ping``, but only for a connection that sat idle in the pool.

    asyncpg's pre-ping is three round trips (BEGIN, an empty query, ROLLBACK) on every
    checkout, i.e. on every request: as much as the request's own queries. What it
    protects against (a server restart, a firewall or ``idle_session_timeout`` dropping
    an idle connection) happens to connections that waited in the pool; one checked in
    less than ``idle_seconds`` ago was just working. A failed ping raises
    ``DisconnectionError``, and the pool then opens a fresh connection, as with
    pre-ping; a connection dropped within the window fails its request, which SQLAlchemy
    detects as a disconnect and answers by recycling the pool."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A fresh connection (record.info is emptied on reconnect) needs no ping.
        last = record.info.get("checked_in_at")
        if last is None or time.monotonic() - last < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: let the pool replace the connection
            raise DisconnectionError() from exc

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


def has_write_gate(engine: AsyncEngine) -> bool:
    """Whether the engine's transactions take turns at one write lock for the whole
    database (SQLite, ``SqliteWriteGate``): work moved out of a transaction then lets the
    other transactions run sooner. On PostgreSQL transactions only wait for the rows they
    share."""
    return engine.dialect.name == "sqlite"


def is_postgresql(session: AsyncSession) -> bool:
    """Whether ``session`` talks to PostgreSQL (otherwise SQLite, the embedded default)."""
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: AsyncSession) -> Any:
    """The dialect's own ``insert`` construct for ``session`` (PostgreSQL's or SQLite's),
    for what only they have: ``ON CONFLICT DO NOTHING``, ``RETURNING`` on conflict."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
