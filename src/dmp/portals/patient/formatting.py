"""Dates, times and sizes as people read them, in the page's language, at French time
(the service's users live by it, whatever the server's zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

PARIS = ZoneInfo("Europe/Paris")
# The formatter's methods are named date/datetime (as templates read them): the types
# get second names for the annotations inside the class.
_Day = date
_Moment = datetime
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
_AT = {"fr": "d MMMM y 'à' HH:mm", "en": "d MMMM y 'at' HH:mm"}


@dataclass(frozen=True, slots=True)
class Formatter:
    lang: str

    @property
    def locale(self) -> str:
        return _LOCALES.get(self.lang, "fr_FR")

    def date(self, value: _Day | _Moment | None) -> str:
        if value is None:
            return ""
        if isinstance(value, _Moment):
            value = value.astimezone(PARIS).date()
        return format_date(value, "long", locale=self.locale)

    def datetime(self, value: _Moment | None) -> str:
        if value is None:
            return ""
        return format_datetime(
            value, _AT.get(self.lang, _AT["fr"]), tzinfo=PARIS, locale=self.locale
        )

    def iso_date(self, value: _Moment | None) -> str:
        """For a ``datetime`` attribute of ``<time>``: the French calendar day."""
        return value.astimezone(PARIS).date().isoformat() if value else ""

    def size(self, size: int) -> str:
        units = ("o", "Ko", "Mo", "Go") if self.lang == "fr" else ("B", "KB", "MB", "GB")
        amount, unit = float(size), 0
        while amount >= 1024 and unit < len(units) - 1:
            amount, unit = amount / 1024, unit + 1
        shown = format_decimal(round(amount, 1), locale=self.locale)
        return f"{shown} {units[unit]}"


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in France, as an aware UTC instant."""
    return datetime.combine(day, time.min, PARIS).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The last instant of ``day`` in France (inclusive bound of a search)."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def today_in_france(now: datetime) -> date:
    return now.astimezone(PARIS).date()
