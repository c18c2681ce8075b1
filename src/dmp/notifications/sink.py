"""A local SMTP sink (aiosmtpd) for the demo and the tests: real SMTP in, one ``.eml``
file per received message out, so a newcomer can read the codes they "received"."""

from __future__ import annotations

import os
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        # Nanoseconds and a random part: messages accepted at the same time (several
        # senders) never share a name, and names still sort in order of arrival.
        name = f"{stamp}-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(envelope.content)
        # Atomic: a reader (the dev page, a test) never sees half a message.
        os.replace(temporary, self.folder / name)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._controller = Controller(_SaveToFolder(folder), hostname=host, port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[EmailMessage]:
        return read_mail_folder(self.folder)


def read_mail_folder(folder: Path) -> list[EmailMessage]:
    """The messages a sink wrote into ``folder``, oldest first (the sink need not run)."""
    if not folder.exists():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
