"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

_from_iso = datetime.fromisoformat


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes everywhere: SQLite drops the offset, so it is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: use dmp.kit.clock")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def read_utc_text(value: Any) -> datetime | None:
            # SQLite keeps the UTC moment as text without its offset (what the bind above
            # writes): read with the offset put back, in one C call rather than SQLAlchemy's
            # parse, then ours (about 0.5 µs against 3.6 µs: a search reads some fifty).
            # Anything else takes the general path, whose answer is the same: an offset
            # already there (two offsets do not parse), a date alone (the added offset
            # parses as a time after a separator, hence a naive result).
            if value is None:
                return None
            try:
                moment = _from_iso(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)
            return moment if moment.tzinfo is not None else general(value)

        return read_utc_text
