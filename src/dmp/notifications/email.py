"""Plain-text e-mail over SMTP (aiosmtplib). Used for one-time codes and account notices;
a message never carries medical content, only what the person needs to act."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from dmp.config import Settings


class EmailDeliveryFailed(Exception):
    """The relay refused or could not be reached; the caller decides whether to retry."""


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

    def compose(self, *, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        # RFC 3834: tells mail systems not to answer with vacation replies.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body, subtype="plain", charset="utf-8")
        return message

    async def send(self, *, to: str, subject: str, body: str) -> None:
        message = self.compose(to=to, subject=subject, body=body)
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
            raise EmailDeliveryFailed(f"{self.host}:{self.port}: {exc}") from exc
