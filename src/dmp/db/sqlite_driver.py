"""SQLAlchemy's aiosqlite adapter, with statements run in one trip to SQLite's thread.

aiosqlite runs every call on the connection's own thread and hands the result back to
the event loop; SQLAlchemy's cursor makes four such trips per statement (open a cursor,
execute, fetch the rows, close). Each trip is a queue put, a thread wake-up and a
``call_soon_threadsafe``: on the API's reads they were about half of the server's CPU
samples. The cursor below does the four on the thread in one function and hands back
rows, description, rowcount and lastrowid at once. Same sqlite3 connection, same
statements, same transactions: only the trips change.

It uses aiosqlite's ``Connection._execute`` (queue a function on the thread), a private
but stable part of aiosqlite since 0.17; ``tests/db/test_sqlite_driver.py`` guards it.

The hot statements of ``db.direct`` make no trip at all (``run_statement``, decision
0009): they run on the event loop's own thread, on the same sqlite3 connection
(SQLAlchemy opens file databases with ``check_same_thread=False``). They only ever run
inside a transaction begun with ``BEGIN IMMEDIATE``, which holds the database's one
write lock, so SQLite never makes them wait for a lock; each is a short indexed read or
a one-row write. ``BEGIN IMMEDIATE`` runs there too, without the busy handler
(``begin_immediate``). ``COMMIT`` (its fsync) still goes to the thread, as does
everything SQLAlchemy itself runs.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import await_only

# (description, rowcount, lastrowid, rows) of one statement, read on SQLite's thread.
_Outcome = tuple[Any, int, int | None, list[Any]]


def _run_one(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        # Read after the fetch: with RETURNING, sqlite3 counts rows as they are fetched.
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneTripCursor:
    """The DBAPI cursor SQLAlchemy drives (buffered: every row is fetched at execute)."""

    server_side = False
    __slots__ = ("_adapt_connection", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, adapt_connection: OneTripConnection) -> None:
        self._adapt_connection = adapt_connection
        self._rows: collections.deque[Any] = collections.deque()
        self.arraysize = 1
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def _run(self, function: Callable[..., _Outcome], operation: str, parameters: Any) -> None:
        adapt = self._adapt_connection
        try:
            outcome = await_only(adapt.run_on_thread(function, operation, parameters))
        except Exception as error:
            adapt._handle_exception(error)
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._run(_run_one, operation, parameters)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        self._run(_run_many, operation, seq_of_parameters)

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        self._rows.clear()  # the sqlite3 cursor was closed on the thread already

    async def _async_soft_close(self) -> None:
        return None  # called by SQLAlchemy's asyncio results: nothing left open

    def setinputsizes(self, *sizes: Any) -> None:
        return None

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection behind aiosqlite's (opened with
        ``check_same_thread=False`` by SQLAlchemy): for what runs on the loop's thread."""
        conn: sqlite3.Connection = self._connection._conn
        return conn

    def cursor(self, server_side: bool = False) -> Any:
        if server_side:  # streaming results keep SQLAlchemy's own cursor
            return super().cursor(server_side=True)
        return OneTripCursor(self)

    def begin_immediate(self, busy_timeout_ms: int) -> None:
        """``BEGIN IMMEDIATE`` on the event loop's thread: it comes once the write gate is
        held (``db.engine``), so no other process of the service holds SQLite's lock and
        it takes it at once. A program writing without the gate could still hold it: the
        loop must not sit in SQLite's busy handler for that one, so the attempt is made
        without it, and a busy database is waited for on SQLite's thread as before."""
        conn = self.sqlite
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # extended codes too
                self._handle_exception(error)
        finally:
            conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        try:
            await_only(self.run_on_thread(_run_one, "BEGIN IMMEDIATE", None))
        except Exception as error:
            self._handle_exception(error)

    def rollback(self) -> None:
        # With no transaction open (a connection back from a read in autocommit, see
        # ``DirectStatement.read_alone``) there is nothing to roll back: no trip to the
        # thread. sqlite3 reads the flag from the connection, without a lock.
        if self.sqlite.in_transaction:
            super().rollback()

    async def run_on_thread(
        self, function: Callable[..., _Outcome], operation: str, parameters: Any
    ) -> _Outcome:
        aio = self._connection
        # SQLAlchemy 2.1 serialises a connection's statements with this lock (2.0 had none).
        mutex = getattr(self, "_execute_mutex", None) or contextlib.nullcontext()
        async with mutex:
            outcome: _Outcome = await aio._execute(function, aio._conn, operation, parameters)
            return outcome


async def run_statement(
    connection: OneTripConnection, operation: str, parameters: Any
) -> list[Any]:
    """One statement's rows, run on the event loop's thread (``db.direct``, see the
    module). A trip to SQLite's thread is a queue put, a thread wake-up and a hand-back,
    taken while the write lock is held: it lengthened the one stretch of a request that
    the processes sharing the file cannot run side by side. Should another statement of
    this connection be under way (never on the API's paths), this one waits for it on
    the connection's own lock and goes to the thread."""
    mutex = getattr(connection, "_execute_mutex", None)
    if mutex is not None and mutex.locked():
        return await run_statement_on_thread(connection, operation, parameters)
    return _run_one(connection.sqlite, operation, parameters)[3]


async def run_statement_on_thread(
    connection: OneTripConnection, operation: str, parameters: Any
) -> list[Any]:
    """One statement's rows, run on SQLite's thread: for a statement outside the write
    gate, which SQLite may make wait (its busy handler sleeps) and the loop must not."""
    outcome = await connection.run_on_thread(_run_one, operation, parameters)
    return outcome[3]


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """Passed as ``module=`` to ``create_async_engine`` for ``sqlite+aiosqlite`` URLs."""

    def connect(self, *arg: Any, **kw: Any) -> Any:
        connection = super().connect(*arg, **kw)
        connection.__class__ = OneTripConnection  # same slots: only methods change
        return connection


def one_trip_dbapi() -> OneTripDbapi:
    import aiosqlite

    return OneTripDbapi(aiosqlite, sqlite3)
