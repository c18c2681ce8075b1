"""Keyed blind index: look a person up by NIR without storing the NIR.

HMAC-SHA256 under a dedicated key; without the key the index cannot be reversed by
enumerating the (small) NIR space.
"""

from __future__ import annotations

import hashlib
import hmac


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("blind index key must be at least 32 bytes")
        self._key = key

    @classmethod
    def derived_from_master(cls, master_key: bytes) -> BlindIndex:
        return cls(hmac.new(master_key, b"dmp/blind-index/ins/v1", hashlib.sha256).digest())

    def of(self, value: str, *, purpose: str = "ins") -> str:
        message = f"{purpose}:{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
