"""What the local sinks received — mail (the SMTP sink's folder), SMS (the file sink),
postal letters (the letters queue) — for the development-only messages page. Only in
the demo, development and tests: these folders hold real codes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from dmp.config import Settings
from dmp.notifications.letters import LetterQueue
from dmp.notifications.sink import read_mail_folder
from dmp.notifications.sms import FileSmsSink

DEVELOPMENT_ENVIRONMENTS = frozenset({"demo", "development", "test"})
_LETTER_NAME = re.compile(r"^courrier-[0-9a-f-]{36}\.pdf$")


def development_pages_enabled(settings: Settings) -> bool:
    return settings.environment in DEVELOPMENT_ENVIRONMENTS


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    at: datetime | None
    to: str
    subject: str
    body: str
    message_id: str


@dataclass(frozen=True, slots=True)
class ReceivedSms:
    at: str
    to: str
    text: str


@dataclass(frozen=True, slots=True)
class QueuedLetter:
    name: str
    size: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Inbox:
    mails: list[ReceivedMail]
    sms: list[ReceivedSms]
    letters: list[QueuedLetter]


def _date(raw: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(raw) if raw else None
    except (TypeError, ValueError):
        return None


def development_inbox(settings: Settings, *, limit: int = 100) -> Inbox:
    """Newest first, at most ``limit`` of each."""
    mails = [
        ReceivedMail(
            at=_date(message["Date"]),
            to=str(message["To"] or ""),
            subject=str(message["Subject"] or ""),
            body=message.get_content() if not message.is_multipart() else "",
            message_id=str(message["Message-ID"] or ""),
        )
        for message in read_mail_folder(settings.effective_mail_sink_dir)[::-1][:limit]
    ]
    sms = [
        ReceivedSms(
            at=str(item.get("at", "")), to=str(item.get("to", "")), text=str(item.get("text", ""))
        )
        for item in FileSmsSink(settings.effective_sms_dir).messages()[::-1][:limit]
    ]
    letters = [
        QueuedLetter(
            path.name, path.stat().st_size, datetime.fromtimestamp(path.stat().st_mtime, UTC)
        )
        for path in LetterQueue(settings.effective_letters_dir).letters()
    ]
    letters.sort(key=lambda letter: letter.at, reverse=True)
    return Inbox(mails, sms, letters[:limit])


def letter_path(settings: Settings, name: str) -> Path | None:
    """A queued letter by file name, only names the queue itself makes (no path from users)."""
    if not _LETTER_NAME.match(name):
        return None
    message_id = uuid.UUID(name.removeprefix("courrier-").removesuffix(".pdf"))
    path = LetterQueue(settings.effective_letters_dir).path_of(message_id)
    return path if path.is_file() else None
