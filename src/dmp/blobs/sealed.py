"""Document bodies are stored sealed: AES-256-GCM under the dossier's data key, with
associated data naming the dossier and the blob key. A sealed blob copied to another key
or into another dossier's space no longer authenticates, so a storage-level mix-up or a
malicious copy cannot serve one patient's document as another's.
"""

from __future__ import annotations

import asyncio
import uuid

from dmp.blobs.store import BlobStore, validate_key
from dmp.crypto.envelope import DataKey

# Bumped if the associated-data layout ever changes, so old and new never get confused.
_AAD_LABEL = b"dmp-blob:v1"
# Below this, encrypting inline is cheaper than a hop to a worker thread.
_INLINE_LIMIT = 256 * 1024
# Below this, a local blob is read on the event loop (see ``get_sealed``).
_SMALL_READ = 64 * 1024


class SealBroken(ValueError):
    """The sealed bytes do not authenticate: tampered, truncated, or not where they were
    sealed (another dossier, another key)."""


def _aad(dossier_id: uuid.UUID | str, blob_key: str) -> bytes:
    # Canonical UUID text, so that a UUID object and its upper-case string agree.
    dossier = str(uuid.UUID(str(dossier_id)))
    validate_key(blob_key)
    return b"\x00".join((_AAD_LABEL, dossier.encode(), blob_key.encode()))


def seal(data_key: DataKey, dossier_id: uuid.UUID | str, blob_key: str, plaintext: bytes) -> bytes:
    return data_key.encrypt(plaintext, aad=_aad(dossier_id, blob_key))


def unseal(data_key: DataKey, dossier_id: uuid.UUID | str, blob_key: str, sealed: bytes) -> bytes:
    try:
        return data_key.decrypt(sealed, aad=_aad(dossier_id, blob_key))
    except ValueError as error:
        raise SealBroken(f"blob {blob_key!r} does not unseal: {error}") from None


async def put_sealed(
    store: BlobStore,
    data_key: DataKey,
    dossier_id: uuid.UUID | str,
    blob_key: str,
    plaintext: bytes,
) -> None:
    """Seal then store; large bodies are encrypted off the event loop."""
    if len(plaintext) > _INLINE_LIMIT:
        sealed = await asyncio.to_thread(seal, data_key, dossier_id, blob_key, plaintext)
    else:
        sealed = seal(data_key, dossier_id, blob_key, plaintext)
    await store.put(blob_key, sealed)


async def get_sealed(
    store: BlobStore,
    data_key: DataKey,
    dossier_id: uuid.UUID | str,
    blob_key: str,
    *,
    size_hint: int | None = None,
) -> bytes:
    """``size_hint``: the plaintext's size when known (a document's row records it). A
    small blob of a store that can read it at once (``read_small``, the local
    filesystem) is read without a hop to a worker thread."""
    read_small = getattr(store, "read_small", None)
    if read_small is not None and size_hint is not None and size_hint <= _SMALL_READ:
        sealed: bytes = read_small(blob_key)
    else:
        sealed = await store.get(blob_key)
    if len(sealed) > _INLINE_LIMIT:
        return await asyncio.to_thread(unseal, data_key, dossier_id, blob_key, sealed)
    return unseal(data_key, dossier_id, blob_key, sealed)
