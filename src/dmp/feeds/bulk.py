"""Bulk inserts of feed rows that say which rows were new (re-imported rows are not).

- PostgreSQL: ``COPY`` into a temporary staging table (asyncpg's binary copy), then one
  ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` per batch: no per-row
  parameters, a few round trips per batch.
- SQLite (and anything else): multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING``
  (SQLAlchemy's insertmanyvalues), which is what SQLite does best in-process.
Both run in the caller's transaction. ``insert_counted`` takes rows as tuples (no dict
per row) and answers how many rows each group (a dossier) received, not every key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.base import Base
from dmp.db.engine import is_postgresql

T = TypeVar("T")
BATCH = 5000


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def insert_new(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], key: Sequence[str]
) -> set[tuple[Any, ...]]:
    """Inserts ``rows``, skipping those whose ``key`` exists; returns the keys inserted."""
    table = cast(Table, model.__table__)
    if not rows:
        return set()
    if is_postgresql(session):
        return await _copy_new(session, table, rows, key)
    statement = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(*(table.c[name] for name in key))
    )
    inserted: set[tuple[Any, ...]] = set()
    for batch in chunks(rows, BATCH):
        result = await session.execute(statement, list(batch))
        inserted.update(tuple(row) for row in result)
    return inserted


async def _copy_new(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], key: Sequence[str]
) -> set[tuple[Any, ...]]:
    # The table and column names are the models' own, never input: safe to interpolate.
    columns = [column.name for column in table.columns]
    stage = f"stage_{table.name}"
    listed = ", ".join(f'"{name}"' for name in columns)
    keys = ", ".join(f'"{name}"' for name in key)
    # Starts the session's transaction if nothing has yet, so the copy belongs to it.
    await session.execute(
        text(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" (LIKE "{table.name}") ON COMMIT DELETE ROWS'
        )
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    inserted: set[tuple[Any, ...]] = set()
    for batch in chunks(rows, BATCH * 4):
        await driver.copy_records_to_table(
            stage, records=[tuple(row[c] for c in columns) for row in batch], columns=columns
        )
        returned = await driver.fetch(
            f'INSERT INTO "{table.name}" ({listed}) SELECT {listed} FROM "{stage}" '  # noqa: S608
            f"ON CONFLICT ({keys}) DO NOTHING RETURNING {keys}"
        )
        await driver.execute(f'TRUNCATE "{stage}"')
        inserted.update(tuple(record) for record in returned)
    return inserted


async def insert_counted(
    session: AsyncSession,
    model: type[Base],
    *,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
    key: Sequence[str],
    group: str,
) -> Counter[Any]:
    """Inserts ``records`` (tuples in ``columns`` order), skipping those whose ``key``
    exists; returns how many were inserted per value of the column ``group``."""
    table = cast(Table, model.__table__)
    counts: Counter[Any] = Counter()
    if not records:
        return counts
    if is_postgresql(session):
        driver = await _staging(session, table)
        stage, listed = f"stage_{table.name}", ", ".join(f'"{name}"' for name in columns)
        keys = ", ".join(f'"{name}"' for name in key)
        statement = (
            f'WITH inserted AS (INSERT INTO "{table.name}" ({listed}) '  # noqa: S608
            f'SELECT {listed} FROM "{stage}" ON CONFLICT ({keys}) DO NOTHING '
            f'RETURNING "{group}") SELECT "{group}", count(*) FROM inserted GROUP BY "{group}"'
        )
        for index, batch in enumerate(chunks(records, BATCH * 4)):
            if index:  # the commit empties it after the last one
                await driver.execute(f'TRUNCATE "{stage}"')
            await driver.copy_records_to_table(stage, records=batch, columns=list(columns))
            counts.update(dict(await driver.fetch(statement)))
        return counts
    insert = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(table.c[group])
    )
    for batch in chunks(records, BATCH):
        result = await session.execute(
            insert, [dict(zip(columns, row, strict=True)) for row in batch]
        )
        counts.update(value for (value,) in result)
    return counts


async def _staging(session: AsyncSession, table: Table) -> Any:
    """The raw asyncpg connection of the session's transaction, with an empty temporary
    copy of ``table`` (emptied again at commit) to ``COPY`` into."""
    # The table name is the model's own, never input: safe to interpolate.
    await session.execute(
        text(
            f'CREATE TEMP TABLE IF NOT EXISTS "stage_{table.name}" (LIKE "{table.name}") '
            "ON COMMIT DELETE ROWS"
        )
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection
