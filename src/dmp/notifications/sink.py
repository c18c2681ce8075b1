"""A local SMTP sink (aiosmtpd) for the demo and the tests: real SMTP in, one ``.eml``
file per received message out, so a newcomer can read the codes they "received"."""

from __future__ import annotations

import time
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
        index = len(list(self.folder.glob("*.eml")))
        (self.folder / f"{stamp}-{index:05d}.eml").write_bytes(envelope.content)
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
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]
