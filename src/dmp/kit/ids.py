"""Identifiers: time-ordered UUIDs (good index locality) and human-typable secrets."""

from __future__ import annotations

import os
import secrets
import time
import uuid

# No 0/O, 1/I/L: codes are typed by people reading a letter.
HUMAN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_id() -> uuid.UUID:
    """A UUIDv7: 48-bit millisecond timestamp then randomness (RFC 9562)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def human_code(length: int) -> str:
    return "".join(secrets.choice(HUMAN_ALPHABET) for _ in range(length))
