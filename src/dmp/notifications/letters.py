"""The postal letters queue: one PDF per letter in a folder the mailing service collects.

The DMP holds no postal address: the letter names its addressee and carries a reference
that the mailing service (the Assurance Maladie's, which holds the insured person's
address) resolves. Writing is idempotent — the file is named after the outbox message and
replaced atomically — so a letter retried after a crash is still one letter.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from dmp.notifications.pdf import Line, build_pdf, heading


@dataclass(frozen=True, slots=True)
class LetterQueue:
    folder: Path

    def path_of(self, message_id: uuid.UUID) -> Path:
        return self.folder / f"courrier-{message_id}.pdf"

    async def send(self, *, message_id: uuid.UUID, addressee: str, subject: str, body: str) -> Path:
        content = letter_pdf(message_id=message_id, addressee=addressee, subject=subject, body=body)
        return await asyncio.to_thread(self._write, message_id, content)

    def _write(self, message_id: uuid.UUID, content: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_of(message_id)
        temporary = target.with_suffix(".tmp")
        # 0600: the letter names a person; only the service account and the mailer read it.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        return target

    def letters(self) -> list[Path]:
        if not self.folder.exists():
            return []
        return sorted(self.folder.glob("courrier-*.pdf"))


def letter_pdf(*, message_id: uuid.UUID, addressee: str, subject: str, body: str) -> bytes:
    lines = [
        Line("Dossier Médical Partagé — service de notification"),
        Line(f"Référence du courrier : {message_id}"),
        Line(),
        Line(addressee, size=11),
        Line("(adresse postale : fichier de l'Assurance Maladie)", size=8),
        Line(),
        heading(f"Objet : {subject}", size=12),
        Line(),
    ]
    lines += [Line(paragraph) for paragraph in body.split("\n")]
    return build_pdf(lines, title=subject)
