"""What the professional portal (``/pro``) and the counter portal (``/guichet``) share:
login pages, the signed-in dependency, error pages, the DMP creation form and letters.

Dates are shown in Paris time whatever the server's zone: a trace at 23:30 UTC happened
the next day for the people reading it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dmp.portals.web import environment

PARIS = ZoneInfo("Europe/Paris")


def local_datetime(value: datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else ""


def local_date(value: datetime | date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):  # identity fields come back from storage as ISO dates
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.strftime("%d/%m/%Y")


environment.filters.setdefault("staff_datetime", local_datetime)
environment.filters.setdefault("staff_date", local_date)
