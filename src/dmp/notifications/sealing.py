"""The outbox's own key: payloads (address + rendered text) are sealed with a key derived
from the master key, so the outbox never holds contact data in clear and the worker
needs no dossier key to deliver. Each payload names the master key it was derived from,
so messages queued before a master-key rotation still open afterwards."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

import orjson

from dmp.crypto import DataKey, KeyUnavailable
from dmp.crypto.envelope import key_id_of
from dmp.runtime import Runtime

_LABEL = b"dmp/outbox/payload/v1"
_KEY_ID_LEN = 16


def _derived(master: bytes) -> DataKey:
    return DataKey(hmac.new(master, _LABEL, hashlib.sha256).digest())


def _aad(message_id: uuid.UUID) -> bytes:
    # Bound to its row: a payload copied onto another message does not open.
    return b"outbox:" + message_id.bytes


def seal_payload(rt: Runtime, message_id: uuid.UUID, payload: dict[str, Any]) -> bytes:
    master = rt.settings.master_key_bytes
    sealed = _derived(master).encrypt(orjson.dumps(payload), aad=_aad(message_id))
    return key_id_of(master).encode() + sealed


def open_payload(rt: Runtime, message_id: uuid.UUID, blob: bytes) -> dict[str, Any]:
    key_id, sealed = blob[:_KEY_ID_LEN].decode(), blob[_KEY_ID_LEN:]
    candidates = [rt.settings.master_key_bytes, *rt.settings.previous_master_key_bytes.values()]
    master = next((m for m in candidates if key_id_of(m) == key_id), None)
    if master is None:
        raise KeyUnavailable(f"master key {key_id} is not configured")
    value: dict[str, Any] = orjson.loads(_derived(master).decrypt(sealed, aad=_aad(message_id)))
    return value


def idempotency_key(
    rt: Runtime, *, dossier_id: uuid.UUID | None, event_key: str, channel: str, address: str
) -> str:
    """Keyed (blind-index key), so the column says nothing about the address."""
    parts = "\x1f".join((str(dossier_id or "-"), event_key, channel, address.strip().lower()))
    return rt.blind_index.of(parts, purpose="outbox")
