"""Hot statements run straight on the database driver, inside the session's transaction.

Every API request runs the same four or five statements (spend the assertion's jti, load
the dossier with the actor's relations, append the trace, search or read). Through
``AsyncSession.execute`` each costs about 230 µs of CPU on the 2-core machine, of which
the driver's round trip is under 100: the rest is SQLAlchemy building an execution
context, its parameters, a result and, on asyncpg, a greenlet hop per call
(``benchmarks/cpu_per_request.py`` and docs/benchmarks.md give the numbers).

A ``DirectStatement`` is an ordinary SQLAlchemy Core statement, compiled once per dialect
by SQLAlchemy itself (same SQL, same bind and result type processing, so a UUID or a
timestamp comes back exactly as through the session), then executed on the connection
the session's transaction holds:

- PostgreSQL: asyncpg's ``fetch`` (asyncpg keeps its own prepared statements), after
  the same lazy ``BEGIN`` and under the same per-connection lock as SQLAlchemy's adapter;
- SQLite: on the event loop's own thread, with no trip to SQLite's (``db.sqlite_driver``,
  decision 0009), after the session has begun its transaction (``BEGIN IMMEDIATE``
  behind the write gate, ``db.engine``).

What does not change: the transaction (the session's own: its commit, rollback and
savepoints cover these statements), the errors (driver errors come out as SQLAlchemy's
``DBAPIError`` subclasses, an ``IntegrityError`` is still one, and a lost connection is
invalidated as SQLAlchemy would), and the statements themselves. What is lost: the
``before_cursor_execute`` events, which nothing here relies on outside tests.

Only statements whose parameters are all scalar take this path (an ``IN`` over a list
given at execution would change the SQL from call to call); the values a statement was
built with (a search's status list, its date window) are part of its compiled form.
``tests/db/test_direct.py`` checks on both databases that searches and the dossier's load
give the very rows (values and Python types) the session gives, that errors and
savepoints behave as through the session, and that a read whose trace cannot be
written still fails.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

from dmp.db.sqlite_driver import OneTripConnection, run_statement, run_statement_on_thread


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # One entry per placeholder, in order: (name bound at execution, processor) or
    # (None, the constant's value already processed).
    plan: tuple[tuple[str | None, Any], ...]
    names: frozenset[str]  # what the caller must bind
    row: Any  # a namedtuple class: rows read by attribute, like SQLAlchemy's
    # (index, processor) of the result columns that have one: most (text, integers,
    # booleans) come from the driver as they are wanted.
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    required = {bind.key for bind in compiled.binds.values() if bind.required}
    if any(bind.expanding and bind.required for bind in compiled.binds.values()):
        raise TypeError("a list bound at execution changes the SQL: use session.execute")
    # The expanded form (IN lists of constants rendered as placeholders), with a stand-in
    # for each value bound at execution.
    expanded = compiled.construct_expanded_state(compiled.construct_params(dict.fromkeys(required)))
    # The statement's bind processors, and those of the placeholders the expansion made.
    bind_processors: dict[str, Any] = {**compiled._bind_processors, **expanded.processors}
    plan: list[tuple[str | None, Any]] = []
    for name in expanded.positiontup or ():
        processor = bind_processors.get(name)
        if name in required:
            plan.append((name, processor))
        else:
            value = expanded.parameters[name]
            plan.append((None, processor(value) if processor else value))
    columns = compiled._result_columns or []  # (key, name, objects, type) of each column
    processors = tuple(column[3]._cached_result_processor(dialect, None) for column in columns)
    row = collections.namedtuple("Row", [column[0] for column in columns], rename=True)  # type: ignore[misc]
    return _Compiled(
        sql=expanded.statement,
        plan=tuple(plan),
        names=frozenset(required),
        row=row,
        processed=tuple((index, p) for index, p in enumerate(processors) if p is not None),
    )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A direct statement's records, read; ``rows()`` processes them into rows."""

    _compiled: _Compiled
    _records: list[Any]

    def rows(self) -> list[Any]:
        make = self._compiled.row._make
        processed = self._compiled.processed
        if not processed:
            return [make(record) for record in self._records]
        rows = []
        for record in self._records:
            values = list(record)
            for index, processor in processed:
                values[index] = processor(values[index])
            rows.append(make(values))
        return rows


def _values(compiled: _Compiled, parameters: Mapping[str, Any]) -> list[Any]:
    """The driver's values of the statement's placeholders, in order."""
    if parameters.keys() != compiled.names:
        raise TypeError(f"parameters {sorted(parameters)} ≠ {sorted(compiled.names)}")
    return [
        (processor(parameters[name]) if processor else parameters[name])
        if name is not None
        else processor
        for name, processor in compiled.plan
    ]


class DirectStatement:
    """A Core statement executed on the driver (see the module). Build it once, at
    import time, like any prepared statement; run it with ``all``, ``first`` or
    ``scalar`` and every value it was built without (``bindparam("name")``)."""

    __slots__ = ("_by_dialect", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _compile(self.statement, dialect)
        return compiled

    async def all(self, session: AsyncSession, parameters: Mapping[str, Any]) -> list[Any]:
        return (await self.fetch(session, parameters)).rows()

    async def fetch(self, session: AsyncSession, parameters: Mapping[str, Any]) -> Fetched:
        """The statement's records as the driver gave them; ``rows()`` makes the rows.
        Making them (UUIDs, times, one named tuple per row) needs no database, so a caller
        that commits in between does it outside the transaction."""
        connection = await _transaction_connection(session)
        sync = connection.sync_connection
        assert sync is not None
        dialect = sync.dialect
        compiled = self._compiled(dialect)
        values = _values(compiled, parameters)
        adapted = sync.connection.dbapi_connection
        try:
            records = await _fetch(adapted, compiled.sql, values)
        except Exception as error:
            await _raise_as_sqlalchemy(connection, dialect, adapted, error, compiled.sql, values)
        return Fetched(compiled, records)

    async def read_alone(self, engine: AsyncEngine, parameters: Mapping[str, Any]) -> list[Any]:
        """The rows of this SELECT, read outside any transaction of a session: on a
        connection of the pool, in the driver's autocommit. SQLAlchemy begins no
        transaction, so on SQLite the write gate is not taken: in WAL mode a lone SELECT
        is its own read transaction, which neither waits for the writer nor makes it
        wait. For a read that prepares work done before a transaction (a deposit's
        content sealed under its dossier's key): what it read may change before that
        transaction, which checks it again. A driver error is raised as it is, after the
        connection is invalidated."""
        sync_engine = engine.sync_engine
        compiled = self._compiled(sync_engine.dialect)
        values = _values(compiled, parameters)
        pooled = await greenlet_spawn(sync_engine.pool.connect)  # its checkout events too
        try:
            adapted: Any = pooled.dbapi_connection
            if isinstance(adapted, OneTripConnection):
                records = await run_statement_on_thread(adapted, compiled.sql, tuple(values))
            else:  # asyncpg, with no transaction begun: its own autocommit
                records = await adapted._connection.fetch(compiled.sql, *values)
        except Exception as error:
            pooled.invalidate(error)
            raise
        finally:
            await greenlet_spawn(pooled.close)  # back to the pool
        return Fetched(compiled, records).rows()

    async def first(self, session: AsyncSession, parameters: Mapping[str, Any]) -> Any | None:
        rows = await self.all(session, parameters)
        return rows[0] if rows else None

    async def scalar(self, session: AsyncSession, parameters: Mapping[str, Any]) -> Any | None:
        row = await self.first(session, parameters)
        return row[0] if row is not None else None

    async def run(self, session: AsyncSession, parameters: Mapping[str, Any]) -> None:
        """For a statement that returns nothing (an UPDATE, an INSERT without RETURNING)."""
        await self.all(session, parameters)


def column_parameters(table: Table, *, prefix: str = "") -> dict[str, BindParameter[Any]]:
    """Every column of ``table`` bound as ``prefix`` + its key: the values of an INSERT of
    whole rows given as dicts keyed by column."""
    return {column.key: bindparam(prefix + column.key) for column in table.columns}


def insert_rows(table: Table) -> DirectStatement:
    """An INSERT of one whole row of ``table`` (``column_parameters``), on the driver."""
    return DirectStatement(insert(table).values(column_parameters(table)))


async def flush_pending(session: AsyncSession) -> None:
    """Flushes the session's pending ORM changes, if there are any, before statements on
    the driver that may depend on them (a trace after the dossier it belongs to). An
    ``AsyncSession.flush`` with nothing to do still costs a greenlet hop, on every read."""
    if session.new or session.dirty or session.deleted:
        await session.flush()


_CONNECTION = "dmp.direct.connection"


def _current_transaction(session: Session) -> tuple[Any, Any]:
    """(root transaction, innermost savepoint or None): what a connection is kept for."""
    return session.get_transaction(), session.get_nested_transaction()


async def _transaction_connection(session: AsyncSession) -> AsyncConnection:
    """The connection of the session's current transaction, beginning it if needed.

    ``AsyncSession.connection`` costs a greenlet hop on every call, and a request makes
    four or five statements in one transaction. The connection is kept in
    ``session.info`` with the transaction it was asked for (the root one and the
    innermost savepoint), and used again only while that very pair is current and
    active: a commit, a rollback or a savepoint's beginning or end makes a new pair, which
    goes through ``connection()`` again (a savepoint's ``SAVEPOINT`` is sent then)."""
    sync_session = session.sync_session
    current = _current_transaction(sync_session)
    kept = sync_session.info.get(_CONNECTION)
    if (
        kept is not None
        and kept[0] == current  # the very objects (no __eq__): never a later transaction
        and current[0].is_active
        and (current[1] is None or current[1].is_active)
        and not kept[1].sync_connection.invalidated
    ):
        return cast(AsyncConnection, kept[1])
    connection = await session.connection()  # begins the transaction if needed
    sync_session.info[_CONNECTION] = (_current_transaction(sync_session), connection)
    return connection


async def _fetch(adapted: Any, sql: str, values: list[Any]) -> list[Any]:
    if isinstance(adapted, OneTripConnection):
        return await run_statement(adapted, sql, tuple(values))
    # SQLAlchemy's asyncpg adapter: its BEGIN is sent lazily, with the first statement.
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        records: list[Any] = await adapted._connection.fetch(sql, *values)
        return records


async def _raise_as_sqlalchemy(
    connection: AsyncConnection,
    dialect: Dialect,
    adapted: Any,
    error: Exception,
    sql: str,
    values: list[Any],
) -> None:
    """Raises ``error`` as SQLAlchemy would have: the driver's exception translated to the
    DBAPI one (``_handle_exception``), wrapped in ``sqlalchemy.exc.DBAPIError``'s matching
    subclass, and the connection invalidated if it is gone."""
    dbapi_error = dialect.loaded_dbapi.Error
    try:
        adapted._handle_exception(error)  # raises the DBAPI translation
    except dbapi_error as translated:
        disconnected = dialect.is_disconnect(translated, adapted, None)
        wrapped = DBAPIError.instance(
            sql, values, translated, dbapi_error, connection_invalidated=disconnected
        )
        if disconnected:
            await connection.invalidate(translated)
        raise wrapped from translated
    raise error  # pragma: no cover - _handle_exception always raises
