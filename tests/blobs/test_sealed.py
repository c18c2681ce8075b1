"""Sealed blobs: ciphertext at rest, bound to their dossier and their key."""

from __future__ import annotations

import os
import uuid

import pytest

from dmp.blobs import BlobStore, SealBroken, get_sealed, new_blob_key, put_sealed, seal, unseal
from dmp.crypto import DataKey, Keyring

DOSSIER = uuid.UUID("0192f0c4-6f1e-7a3b-9c2d-4e5f60718293")
OTHER_DOSSIER = uuid.UUID("0192f0c4-6f1e-7a3b-9c2d-000000000001")
PLAINTEXT = b"Compte rendu de consultation : examen cardiologique normal. " * 20


@pytest.fixture
def data_key() -> DataKey:
    return Keyring(os.urandom(32)).new_data_key()


@pytest.mark.parametrize("size", [0, 1000, 300 * 1024], ids=["empty", "small", "threaded"])
async def test_round_trip_through_the_store(store: BlobStore, data_key: DataKey, size: int) -> None:
    plaintext = os.urandom(size)
    key = new_blob_key(DOSSIER)
    await put_sealed(store, data_key, DOSSIER, key, plaintext)
    assert await get_sealed(store, data_key, DOSSIER, key) == plaintext


@pytest.mark.parametrize("size", [1000, 300 * 1024], ids=["small", "large"])
async def test_a_size_hint_reads_the_same_bytes(
    store: BlobStore, data_key: DataKey, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    plaintext = os.urandom(size)
    key = new_blob_key(DOSSIER)
    await put_sealed(store, data_key, DOSSIER, key, plaintext)
    threaded: list[str] = []
    original = store.get

    async def get(blob_key: str) -> bytes:
        threaded.append(blob_key)
        return await original(blob_key)

    monkeypatch.setattr(store, "get", get)
    assert await get_sealed(store, data_key, DOSSIER, key, size_hint=size) == plaintext
    # A small local blob is read at once; S3, or a large blob, goes through ``get``.
    inline = size < 64 * 1024 and hasattr(store, "read_small")
    assert threaded == ([] if inline else [key])


async def test_the_stored_object_holds_no_plaintext(store: BlobStore, data_key: DataKey) -> None:
    key = new_blob_key(DOSSIER)
    await put_sealed(store, data_key, DOSSIER, key, PLAINTEXT)
    raw = await store.get(key)
    assert b"consultation" not in raw
    assert b"cardiologique" not in raw
    assert len(raw) == len(PLAINTEXT) + 2 + 12 + 16  # magic, nonce, GCM tag


async def test_a_blob_copied_to_another_key_does_not_unseal(
    store: BlobStore, data_key: DataKey
) -> None:
    key, copy = new_blob_key(DOSSIER), new_blob_key(DOSSIER)
    await put_sealed(store, data_key, DOSSIER, key, PLAINTEXT)
    await store.put(copy, await store.get(key))
    with pytest.raises(SealBroken):
        await get_sealed(store, data_key, DOSSIER, copy)


def test_a_blob_claimed_by_another_dossier_does_not_unseal(data_key: DataKey) -> None:
    key = new_blob_key(DOSSIER)
    sealed = seal(data_key, DOSSIER, key, PLAINTEXT)
    with pytest.raises(SealBroken):
        unseal(data_key, OTHER_DOSSIER, key, sealed)


def test_dossier_id_spelling_does_not_matter(data_key: DataKey) -> None:
    key = new_blob_key(DOSSIER)
    sealed = seal(data_key, str(DOSSIER).upper(), key, PLAINTEXT)
    assert unseal(data_key, DOSSIER, key, sealed) == PLAINTEXT


def test_tampering_and_wrong_keys_are_detected(data_key: DataKey) -> None:
    key = new_blob_key(DOSSIER)
    sealed = bytearray(seal(data_key, DOSSIER, key, PLAINTEXT))
    sealed[40] ^= 0x01
    with pytest.raises(SealBroken):
        unseal(data_key, DOSSIER, key, bytes(sealed))
    other_key = Keyring(os.urandom(32)).new_data_key()
    with pytest.raises(SealBroken):
        unseal(other_key, DOSSIER, key, seal(data_key, DOSSIER, key, PLAINTEXT))
    with pytest.raises(SealBroken):
        unseal(data_key, DOSSIER, key, b"not a ciphertext")


def test_two_seals_of_the_same_content_differ(data_key: DataKey) -> None:
    key = new_blob_key(DOSSIER)
    assert seal(data_key, DOSSIER, key, PLAINTEXT) != seal(data_key, DOSSIER, key, PLAINTEXT)
