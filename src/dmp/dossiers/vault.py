"""Encrypted personal data of a dossier: identity and contact, sealed with its data key."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from dmp.crypto import DataKey


def seal_json(data_key: DataKey, dossier_id: uuid.UUID, purpose: str, value: Any) -> bytes:
    return data_key.encrypt(orjson.dumps(value), aad=_aad(dossier_id, purpose))


def open_json(data_key: DataKey, dossier_id: uuid.UUID, purpose: str, blob: bytes | None) -> Any:
    if blob is None:
        return None
    return orjson.loads(data_key.decrypt(blob, aad=_aad(dossier_id, purpose)))


def _aad(dossier_id: uuid.UUID, purpose: str) -> bytes:
    return f"{purpose}:".encode() + dossier_id.bytes
