"""Sealing feed rows with their dossier's data key, and their keyed identity."""

from __future__ import annotations

import calendar
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
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
    # One AES-GCM context per dossier and run: bulk imports seal thousands of lines each.
    _encrypt: Callable[[bytes, bytes], bytes] = field(repr=False, compare=False)
    _dossier_bytes: bytes = field(repr=False, compare=False)

    @classmethod
    def of(cls, rt: Runtime, dossier: Dossier) -> DossierCipher:
        return cls.of_wrapped(rt, dossier.id, dossier.wrapped_key)

    @classmethod
    def of_wrapped(
        cls, rt: Runtime, dossier_id: uuid.UUID, wrapped_key: bytes | None
    ) -> DossierCipher:
        key = rt.keyring.unwrap(wrapped_key, dossier_id=str(dossier_id))
        identity_key = hmac.new(key.key, b"dmp/feed-line-identity/v1", hashlib.sha256).digest()
        return cls(dossier_id, key, identity_key, key.encryptor(), dossier_id.bytes)

    def identity(self, canonical: bytes) -> str:
        return hmac.digest(self.identity_key, canonical, "sha256").hex()

    def seal(self, purpose: str, line_hash: str, value: Any) -> bytes:
        return self._encrypt(orjson.dumps(value), self._aad(purpose, line_hash))

    def open(self, purpose: str, line_hash: str, blob: bytes) -> Any:
        return orjson.loads(self.key.decrypt(blob, aad=self._aad(purpose, line_hash)))

    def _aad(self, purpose: str, line_hash: str) -> bytes:
        # Bound to the dossier and the row: a sealed value moved elsewhere does not open.
        return f"{purpose}:{line_hash}:".encode() + self._dossier_bytes


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (negative: earlier), or the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
