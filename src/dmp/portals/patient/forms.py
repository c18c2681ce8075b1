"""Reading what a form sent, and running a service call whose refusal is shown next to
the field: the call runs in a savepoint, so a refusal leaves nothing behind but what the
rules keep (a refused login's counter, a denial's trace)."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData, UploadFile

from dmp.db.uow import savepoint

Errors = dict[str, str]


def text(form: FormData, name: str, *, limit: int = 1000) -> str:
    """A text field, trimmed; absent, a file or too long counts as what fits."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    return form.get(name) not in (None, "", "non")


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


def parse_day(raw: str) -> date | None:
    """A date typed as 31/12/2025 (or 31-12-2025, 31.12.2025) or given by a date field
    (2025-12-31). None when it is not a real date."""
    raw = raw.strip()
    try:
        if len(raw) == 10 and raw[4] == "-":
            return date.fromisoformat(raw)
        for separator in "/-.":
            parts = raw.split(separator)
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                day, month, year = (int(p) for p in parts)
                return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_day_parts(day: str, month: str, year: str) -> date | None:
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


# A form's change runs in a savepoint: a refused change leaves the rest of the request intact.
attempt = savepoint
