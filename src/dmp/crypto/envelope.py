"""AES-256-GCM envelope encryption.

Each dossier has its own 256-bit data key; only its wrapped form (encrypted by the master
key, bound to the dossier id) is stored. Destroying the wrapped key at purge makes every
ciphertext of the dossier unreadable, wherever copies of it lie (backups, object store).

Wire format of a wrapped key: ``b"K1" | key_id (16 bytes, space-padded) | nonce | ct``.
Wire format of a field or blob: ``b"E1" | nonce (12) | ciphertext+tag``; the associated
data (dossier id and purpose) binds a ciphertext to its place, so a value copied into
another dossier or another column does not decrypt.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_WRAP_MAGIC = b"K1"
_DATA_MAGIC = b"E1"
_NONCE = 12
_KEY_ID_LEN = 16


class KeyUnavailable(Exception):
    """The key needed to decrypt is gone (dossier purged) or unknown (rotation incomplete)."""


def key_id_of(master_key: bytes) -> str:
    return hashlib.sha256(b"dmp-master-key-id" + master_key).hexdigest()[:_KEY_ID_LEN]


@dataclass(frozen=True, slots=True)
class DataKey:
    """A dossier's data key in the clear, held only in memory for one operation."""

    key: bytes

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _DATA_MAGIC + nonce + AESGCM(self.key).encrypt(nonce, plaintext, aad)

    def encryptor(self) -> Callable[[bytes, bytes], bytes]:
        """``encrypt(plaintext, aad=aad)`` for many values under this key (bulk imports):
        one AES-GCM context reused, the same wire format, a fresh random nonce each."""
        aead = AESGCM(self.key)

        def encrypt(plaintext: bytes, aad: bytes) -> bytes:
            nonce = os.urandom(_NONCE)
            return _DATA_MAGIC + nonce + aead.encrypt(nonce, plaintext, aad)

        return encrypt

    def decrypt(self, blob: bytes, *, aad: bytes) -> bytes:
        if blob[:2] != _DATA_MAGIC:
            raise ValueError("not a DMP ciphertext")
        nonce, body = blob[2 : 2 + _NONCE], blob[2 + _NONCE :]
        try:
            return AESGCM(self.key).decrypt(nonce, body, aad)
        except InvalidTag as exc:
            raise ValueError("ciphertext does not authenticate (tampered or misplaced)") from exc


class Keyring:
    """The current master key and the previous ones still accepted while re-wrapping."""

    def __init__(self, current: bytes, previous: dict[str, bytes] | None = None) -> None:
        if len(current) != 32:
            raise ValueError("master key must be 32 bytes")
        self.current_id = key_id_of(current)
        self._keys = {self.current_id: current}
        for key in (previous or {}).values():
            self._keys[key_id_of(key)] = key

    def new_data_key(self) -> DataKey:
        return DataKey(AESGCM.generate_key(bit_length=256))

    def wrap(self, data_key: DataKey, *, dossier_id: str) -> bytes:
        nonce = os.urandom(_NONCE)
        aad = b"dossier-key:" + dossier_id.encode()
        sealed = AESGCM(self._keys[self.current_id]).encrypt(nonce, data_key.key, aad)
        return _WRAP_MAGIC + self.current_id.encode() + nonce + sealed

    def unwrap(self, wrapped: bytes | None, *, dossier_id: str) -> DataKey:
        if not wrapped:
            raise KeyUnavailable("the dossier's data key was destroyed")
        if wrapped[:2] != _WRAP_MAGIC:
            raise KeyUnavailable("unknown wrapped-key format")
        key_id = wrapped[2 : 2 + _KEY_ID_LEN].decode()
        master = self._keys.get(key_id)
        if master is None:
            raise KeyUnavailable(f"master key {key_id} is not configured")
        rest = wrapped[2 + _KEY_ID_LEN :]
        aad = b"dossier-key:" + dossier_id.encode()
        try:
            return DataKey(AESGCM(master).decrypt(rest[:_NONCE], rest[_NONCE:], aad))
        except InvalidTag as exc:
            raise KeyUnavailable("wrapped key does not authenticate") from exc

    def needs_rewrap(self, wrapped: bytes) -> bool:
        return wrapped[2 : 2 + _KEY_ID_LEN].decode() != self.current_id
