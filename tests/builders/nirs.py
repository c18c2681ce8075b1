"""Valid NIRs made on demand (the key computed, never hard-coded)."""

from __future__ import annotations

import itertools

from dmp.identity.nir import nir_key

_serial = itertools.count(1)


def make_nir(sex: str = "1", year: int = 80, month: int = 5, department: str = "75") -> str:
    body = f"{sex}{year % 100:02d}{month:02d}{department}{101:03d}{next(_serial) % 1000:03d}"
    return f"{body}{nir_key(body):02d}"
