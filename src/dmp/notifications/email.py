"""Plain-text e-mail over SMTP (aiosmtplib). Used for one-time codes and account notices;
a message never carries medical content, only what the person needs to act."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from dmp.config import Settings


class EmailDeliveryFailed(Exception):
    """The relay refused or could not be reached; the caller decides whether to retry.
    ``permanent``: the relay answered 5xx (address refused…), retrying cannot help."""

    def __init__(self, detail: str, *, permanent: bool = False, kind: str = "") -> None:
        super().__init__(detail)
        self.permanent = permanent
        # Safe to store: the exception class and SMTP code, never the address.
        self.kind = kind


@dataclass(frozen=True, slots=True)
class EmailSender:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailSender:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_sender,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )

    def compose(
        self, *, to: str, subject: str, body: str, message_id: str | None = None
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # A caller that may send the same message again (the outbox, after a crash) gives
        # a stable id, so a duplicate is recognisable as such by the recipient's systems.
        message["Message-ID"] = message_id or make_msgid(
            domain=self.sender.rpartition("@")[2] or None
        )
        # RFC 3834: tells mail systems not to answer with vacation replies.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body, subtype="plain", charset="utf-8")
        return message

    def stable_message_id(self, key: str) -> str:
        return f"<{key}@{self.sender.rpartition('@')[2] or 'dmp.invalid'}>"

    async def send(
        self, *, to: str, subject: str, body: str, message_id: str | None = None
    ) -> None:
        message = self.compose(to=to, subject=subject, body=body, message_id=message_id)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                # Explicit: aiosmtplib would otherwise upgrade whenever the server offers it.
                start_tls=self.starttls,
                username=self.username or None,
                password=self.password or None,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            code = _smtp_code(exc)
            raise EmailDeliveryFailed(
                f"{self.host}:{self.port}: {exc}",
                permanent=code is not None and code >= 500,
                kind=f"{type(exc).__name__}{f' {code}' if code else ''}",
            ) from exc


def _smtp_code(exc: BaseException) -> int | None:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        return min(r.code for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code
    return None
