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
- SQLite: one trip to SQLite's thread (``db.sqlite_driver``), after the session has
  begun its transaction (``BEGIN IMMEDIATE`` behind the write gate, ``db.engine``).

What does not change: the transaction (the session's own: its commit, rollback and
savepoints cover these statements), the errors (driver errors come out as SQLAlchemy's
``DBAPIError`` subclasses, an ``IntegrityError`` is still one, and a lost connection is
invalidated as SQLAlchemy would), and the statements themselves. What is lost: the
``before_cursor_execute`` events, which nothing here relies on outside tests.

Only statements whose parameters are all scalar take this path (an ``IN`` over a list
given at execution would change the SQL from call to call); the values a statement was
built with (a search's status list, its date window) are part of its compiled form.
A write may also be *deferred* (``defer_write``, PostgreSQL only): left for the next
statement to carry as data-modifying CTEs, one round trip instead of two. A search
carries its own trace this way (``audit.service``): all or nothing, in one statement, so
the rows come back only if the trace was written. A deferred write nobody carries is made
on its own before any other statement on the driver, before a flush
(``flush_pending``), and before the unit of work commits; a commit that would leave one
behind fails (``before_commit``), so a deferred write is never lost to a commit.

``tests/db/test_direct.py`` checks on both databases that searches and the dossier's load
give the very rows (values and Python types) the session gives, that errors and
savepoints behave as through the session, that deferred writes are carried or made,
and that a read whose trace cannot be written still fails.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, event, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from dmp.db.sqlite_driver import OneTripConnection, run_statement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # One entry per placeholder, in order: (name bound at execution, processor) or
    # (None, the constant's value already processed).
    plan: tuple[tuple[str | None, Any], ...]
    names: frozenset[str]  # what the caller must bind
    row: Any  # a namedtuple class: rows read by attribute, like SQLAlchemy's
    processors: tuple[Processor, ...] | None  # per result column; None: none has one


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
        processors=processors if any(processors) else None,
    )


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
        if _DEFERRED in session.info:  # not carried by this statement: made first
            await run_deferred(session)
        connection = await session.connection()  # begins the transaction if needed
        sync = connection.sync_connection
        assert sync is not None
        dialect = sync.dialect
        compiled = self._compiled(dialect)
        if parameters.keys() != compiled.names:
            raise TypeError(f"parameters {sorted(parameters)} ≠ {sorted(compiled.names)}")
        values = [
            (processor(parameters[name]) if processor else parameters[name])
            if name is not None
            else processor
            for name, processor in compiled.plan
        ]
        adapted = sync.connection.dbapi_connection
        try:
            records = await _fetch(adapted, compiled.sql, values)
        except Exception as error:
            await _raise_as_sqlalchemy(connection, dialect, adapted, error, compiled.sql, values)
        make = compiled.row._make
        processors = compiled.processors
        if processors is None:
            return [make(record) for record in records]
        return [
            make([p(value) if p else value for p, value in zip(processors, record, strict=True)])
            for record in records
        ]

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
    the driver that may depend on them (a trace after the dossier it belongs to), and
    makes a deferred write nobody carried. An ``AsyncSession.flush`` with nothing to do
    still costs a greenlet hop, on every read."""
    if _DEFERRED in session.info:
        await run_deferred(session)
    if session.new or session.dirty or session.deleted:
        await session.flush()


# -- deferred writes ---------------------------------------------------------------------

_DEFERRED = "dmp_deferred_write"


@dataclass(frozen=True, slots=True)
class DeferredWrite:
    """A write (PostgreSQL) left for the next statement to carry: ``ctes`` are what a
    carrying statement was built with (``Select.add_cte``), ``alone`` the same write as a
    statement of its own, both bound with ``parameters``. ``failed`` turns the write's
    failure into the caller's error (a trace's: ``TraceUnavailable``)."""

    kind: str
    alone: DirectStatement
    parameters: Mapping[str, Any]
    failed: Callable[[Exception], Exception]


def can_defer(session: AsyncSession) -> bool:
    """Whether a write may be deferred now: on PostgreSQL, with none waiting, in a
    transaction already begun, and in its outermost level (a savepoint rolled back later
    must not take with it a write made before the savepoint began)."""
    sync = session.sync_session
    return (
        _DEFERRED not in session.info
        and sync.get_transaction() is not None
        and sync.get_nested_transaction() is None
        and session.get_bind().dialect.name == "postgresql"
    )


def defer_write(session: AsyncSession, write: DeferredWrite) -> None:
    """Leaves ``write`` for the next statement (``can_defer`` must be true)."""
    if not can_defer(session):
        raise RuntimeError("this write cannot be deferred here (db.direct.can_defer)")
    session.info[_DEFERRED] = (session.sync_session.get_transaction(), write)


def take_deferred(session: AsyncSession, kind: str) -> Mapping[str, Any] | None:
    """The parameters of the deferred write of ``kind``, for the statement about to carry
    it (which then owns it: its failure is the write's), or None."""
    waiting = session.info.get(_DEFERRED)
    if waiting is None or waiting[1].kind != kind or not _still_open(session, waiting[0]):
        return None
    del session.info[_DEFERRED]
    write: DeferredWrite = waiting[1]
    return write.parameters


async def run_deferred(session: AsyncSession) -> None:
    """Makes the deferred write on its own, if one waits (see ``defer_write``)."""
    waiting = session.info.pop(_DEFERRED, None)
    if waiting is None or not _still_open(session, waiting[0]):
        return  # its transaction was rolled back, and the write with it
    write: DeferredWrite = waiting[1]
    try:
        await write.alone.run(session, write.parameters)
    except Exception as error:
        raise write.failed(error) from error


def _still_open(session: AsyncSession, transaction: Any) -> bool:
    current = session.sync_session.get_transaction()
    return current is transaction and current is not None and current.is_active


@event.listens_for(Session, "before_commit")
def _no_commit_leaves_a_deferred_write(session: Session) -> None:
    # The unit of work makes a waiting write before it commits; a commit by any other
    # path must not leave one behind (a read's trace): it fails instead.
    waiting = session.info.get(_DEFERRED)
    outermost = session.get_nested_transaction() is None  # not a savepoint's release
    if waiting is not None and outermost and waiting[0] is session.get_transaction():
        raise RuntimeError("commit with a deferred write not made (db.direct.run_deferred)")


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
