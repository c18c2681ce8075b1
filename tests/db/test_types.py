"""``UTCDateTime``: aware UTC datetimes in and out, on SQLite (which keeps text without
the offset, read back by a fast path of its own) as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from dmp.db.engine import create_engine
from dmp.db.types import UTCDateTime

PARIS_WINTER = timezone(timedelta(hours=1))
MOMENTS = [
    datetime(2026, 12, 5, 8, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 12, 5, 8, 0, tzinfo=UTC),  # no microseconds
    datetime(2026, 12, 5, 9, 30, 15, 7, tzinfo=PARIS_WINTER),  # stored as UTC
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def _table() -> Table:
    return Table(
        "moments",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime, nullable=True),
    )


async def test_sqlite_gives_back_what_was_written_as_aware_utc(tmp_path: Path) -> None:
    table = _table()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'types.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.create_all)
            await connection.execute(insert(table), [{"at": moment} for moment in MOMENTS])
            await connection.execute(insert(table).values(at=None))
            # Spellings another writer may have left: with an offset, a date alone.
            await connection.execute(
                text("INSERT INTO moments (at) VALUES ('2026-12-05T09:00:00+01:00')")
            )
            await connection.execute(text("INSERT INTO moments (at) VALUES ('2026-12-05')"))
        async with engine.connect() as connection:
            read = (await connection.execute(select(table.c.at).order_by(table.c.id))).scalars()
            values = list(read)
    finally:
        await engine.dispose()
    assert values[: len(MOMENTS)] == MOMENTS
    assert values[len(MOMENTS) :] == [
        None,
        datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 5, tzinfo=UTC),
    ]
    assert all(value is None or value.tzinfo is UTC for value in values)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-12-05 08:00:00.123456",
        "2026-12-05 08:00:00",
        "2026-12-05 08:00",
        "2026-12-05T08:00:00.5",
        "2026-12-05T09:00:00+01:00",
        "2026-12-05 08:00:00.123456+00:00",
        "2026-12-05",
        None,
    ],
)
def test_sqlite_fast_path_reads_as_the_general_one(stored: str | None) -> None:
    dialect = sqlite.dialect()
    column_type = cast(UTCDateTime, UTCDateTime().dialect_impl(dialect))  # as on SQLite
    fast = column_type.result_processor(dialect, None)
    general: Any = TypeDecorator.result_processor(column_type, dialect, None)
    assert fast is not None and general is not None and fast is not general
    assert fast(stored) == general(stored)
    if stored is not None:
        moment = fast(stored)
        assert moment is not None and moment.tzinfo is UTC


def test_sqlite_text_that_is_no_moment_is_refused_as_before() -> None:
    dialect = sqlite.dialect()
    fast = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert fast is not None
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        fast("not a moment")
