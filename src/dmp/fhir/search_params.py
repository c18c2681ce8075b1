"""FHIR search parameter values: dates with prefixes and precision, tokens, references.

Dates without a time zone are read in Europe/Paris, the zone of the people using the
DMP (FHIR leaves zoneless search dates to the server).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dmp.fhir.errors import InvalidSearch

PARIS = ZoneInfo("Europe/Paris")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PREFIXES = ("eq", "ge", "gt", "le", "lt")
_TINY = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive bounds; None is open."""

    start: datetime | None = None
    end: datetime | None = None

    def narrowed(self, other: DateRange) -> DateRange:
        starts = [d for d in (self.start, other.start) if d is not None]
        ends = [d for d in (self.end, other.end) if d is not None]
        return DateRange(max(starts) if starts else None, min(ends) if ends else None)


def _invalid(name: str, value: str, fr: str, en: str) -> InvalidSearch:
    return InvalidSearch(name=name, detail=f"« {value} » : {fr}", detail_en=f"'{value}': {en}")


def _interval(name: str, raw: str) -> tuple[datetime, datetime]:
    """The instants a value covers at its precision: a year, a month, a day or an instant."""
    match = _DATE.match(raw)
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            first = date(year or 1, month or 1, day or 1)
        except ValueError:
            raise _invalid(name, raw, "date impossible", "impossible date") from None
        if day is not None:
            last = first
        elif month is not None:
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            last = first.replace(month=12, day=31)
        start = datetime.combine(first, time.min, PARIS)
        return start, datetime.combine(last, time.max, PARIS)
    try:
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(
            name,
            raw,
            "date attendue (AAAA, AAAA-MM, AAAA-MM-JJ ou date-heure ISO 8601)",
            "date expected (YYYY, YYYY-MM, YYYY-MM-DD or an ISO 8601 date-time)",
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=PARIS)
    return instant, instant


def date_range(name: str, values: list[str]) -> DateRange:
    """Every value narrows (AND), as repeated date parameters do in FHIR."""
    result = DateRange()
    for value in values:
        if "," in value:
            raise _invalid(
                name,
                value,
                "une seule date par paramètre (répétez le paramètre)",
                "one date per parameter (repeat the parameter)",
            )
        prefix, raw = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
        if prefix not in _PREFIXES:
            raise _invalid(
                name,
                value,
                f"préfixe {prefix} non pris en charge (eq, ge, gt, le, lt)",
                f"prefix {prefix} not supported (eq, ge, gt, le, lt)",
            )
        low, high = _interval(name, raw)
        bound = {
            "eq": DateRange(low, high),
            "ge": DateRange(low, None),
            "gt": DateRange(high + _TINY, None),
            "le": DateRange(None, high),
            "lt": DateRange(None, low - _TINY),
        }[prefix]
        result = result.narrowed(bound)
    return result


@dataclass(frozen=True, slots=True)
class Token:
    system: str | None  # None: any system; "" : explicitly no system
    code: str


def tokens(name: str, values: list[str]) -> list[Token]:
    """Comma-separated values are alternatives (OR); ``system|code``, ``|code``, ``code``."""
    result = []
    for value in values:
        for item in value.split(","):
            system, separator, code = item.partition("|")
            if not separator:
                system, code = "", item
                result.append(Token(None, code.strip()))
                continue
            if not code.strip():
                raise _invalid(name, item, "code absent après « | »", "no code after '|'")
            result.append(Token(system.strip(), code.strip()))
    if any(not token.code for token in result):
        raise _invalid(name, ",".join(values), "valeur vide", "empty value")
    return result


def strings(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]
