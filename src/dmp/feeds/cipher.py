"""Sealing feed rows with their dossier's data key, and their keyed identity."""

from __future__ import annotations

import calendar
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from dmp.crypto import DataKey
from dmp.dossiers.models import Dossier
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class DossierCipher:
    dossier_id: uuid.UUID
    key: DataKey
    identity_key: bytes

    @classmethod
    def of(cls, rt: Runtime, dossier: Dossier) -> DossierCipher:
        key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
        identity_key = hmac.new(key.key, b"dmp/feed-line-identity/v1", hashlib.sha256).digest()
        return cls(dossier.id, key, identity_key)

    def identity(self, canonical: bytes) -> str:
        return hmac.new(self.identity_key, canonical, hashlib.sha256).hexdigest()

    def seal(self, purpose: str, line_hash: str, value: Any) -> bytes:
        return self.key.encrypt(orjson.dumps(value), aad=self._aad(purpose, line_hash))

    def open(self, purpose: str, line_hash: str, blob: bytes) -> Any:
        return orjson.loads(self.key.decrypt(blob, aad=self._aad(purpose, line_hash)))

    def _aad(self, purpose: str, line_hash: str) -> bytes:
        # Bound to the dossier and the row: a sealed value moved elsewhere does not open.
        return f"{purpose}:{line_hash}:".encode() + self.dossier_id.bytes


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (negative: earlier), or the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
