"""The hash of one trace: SHA-256 over the previous hash and the trace's fields in a fixed
order, so that editing, deleting or reordering any trace breaks every later link."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

GENESIS = "0" * 64


def trace_hash(
    *,
    prev_hash: str,
    dossier_id: str,
    seq: int,
    at: datetime,
    actor_kind: str,
    actor_id: str,
    actor_name: str,
    actor_profession: str | None,
    action: str,
    target: str | None,
    mode: str,
    outcome: str,
    reason: str,
    matrix_version: str | None,
    detail_ct: bytes | None,
) -> str:
    fields = [
        prev_hash,
        dossier_id,
        str(seq),
        at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        actor_kind,
        actor_id,
        actor_name,
        actor_profession or "",
        action,
        target or "",
        mode,
        outcome,
        reason,
        matrix_version or "",
        (detail_ct or b"").hex(),
    ]
    # Length-prefixing makes the encoding unambiguous whatever the fields contain.
    payload = "".join(f"{len(field)}:{field};" for field in fields)
    return hashlib.sha256(payload.encode()).hexdigest()
