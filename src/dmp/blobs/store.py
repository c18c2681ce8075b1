"""The blob store contract shared by every backend, its key rules and the backend factory.

Keys are made by the server only (``new_blob_key``) and checked against a strict shape
before any backend touches them, so no user-derived text can ever become a path or an
object name that escapes the store's root.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dmp.kit.ids import new_id

if TYPE_CHECKING:
    from dmp.config import Settings

# Lower case only: a case-insensitive filesystem (macOS, some SMB mounts) must never
# map two keys to one file. No dot at all: "." and ".." cannot appear, and the
# filesystem backend's temporary files (".tmp-…") can never collide with a real key.
_SEGMENT = r"[0-9a-z][0-9a-z_-]{0,63}"
_KEY = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT}){{0,3}}$")
# A listing prefix: whole segments, then optionally the start of one more segment.
_LIST_PREFIX = re.compile(rf"^(?:{_SEGMENT}/){{0,3}}[0-9a-z_-]{{0,64}}$")
# A deletion prefix must end on a segment boundary: "<dossier>/" removes that dossier's
# blobs and never those of another dossier whose id merely starts the same way.
_DELETE_PREFIX = re.compile(rf"^(?:{_SEGMENT}/){{1,3}}$")
MAX_KEY_LENGTH = 255


class BlobError(Exception):
    """Base of the store's own errors. They are infrastructure failures, not user errors:
    keys never come from users, and a missing blob behind a document row is an integrity
    fault that the documents service reports as it sees fit."""


class BlobNotFound(BlobError, KeyError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"no blob under key {self.key!r}"


class InvalidBlobKey(BlobError, ValueError):
    """A key or prefix outside the allowed shape: a programming error, never user input."""


@dataclass(frozen=True, slots=True)
class BlobEntry:
    key: str
    size: int
    modified_at: datetime  # timezone-aware UTC; what garbage collection compares


def is_valid_key(key: str) -> bool:
    return isinstance(key, str) and len(key) <= MAX_KEY_LENGTH and bool(_KEY.fullmatch(key))


def validate_key(key: str) -> str:
    if not is_valid_key(key):
        raise InvalidBlobKey(f"invalid blob key {key!r}")
    return key


def validate_list_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or len(prefix) > MAX_KEY_LENGTH:
        raise InvalidBlobKey(f"invalid blob prefix {prefix!r}")
    if not _LIST_PREFIX.fullmatch(prefix):
        raise InvalidBlobKey(f"invalid blob prefix {prefix!r}")
    return prefix


def validate_delete_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _DELETE_PREFIX.fullmatch(prefix):
        raise InvalidBlobKey(
            f"invalid deletion prefix {prefix!r}: it must be whole segments ending with '/'"
        )
    return prefix


def new_blob_key(dossier_id: uuid.UUID | str) -> str:
    """``<dossier_id>/<uuid7 hex>``: grouped by dossier so that a purge is one prefix
    deletion; time-ordered so that listings come out roughly in upload order."""
    dossier = uuid.UUID(str(dossier_id))
    return validate_key(f"{dossier}/{new_id().hex}")


@runtime_checkable
class BlobStore(Protocol):
    """Where document bodies live. Every method is a coroutine; blocking work runs in
    threads. Callers store ciphertext only (see ``dmp.blobs.sealed``)."""

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any previous value. Durable when it
        returns; a reader sees either the old value or the whole new one, never a part."""
        ...

    async def get(self, key: str) -> bytes:
        """The stored bytes; raises ``BlobNotFound``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error (retries are safe)."""
        ...

    async def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Keys starting with ``prefix`` (a plain string prefix), in no promised order."""
        ...

    def list_with_mtime(self, prefix: str = "") -> AsyncIterator[BlobEntry]:
        """Like ``list_keys`` with each blob's size and last-modified time, so that garbage
        collection can spare blobs younger than the transactions that may still
        reference them."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Remove every blob under ``prefix`` (whole segments ending with ``/``); returns
        how many were removed."""
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...


def open_blob_store(settings: Settings) -> BlobStore:
    """The backend the settings name. Imports lazily so that a filesystem deployment does
    not need the S3 client library installed."""
    if settings.blob_backend == "filesystem":
        from dmp.blobs.filesystem import FilesystemBlobStore

        return FilesystemBlobStore(settings.effective_blob_dir)
    if settings.blob_backend == "s3":
        from dmp.blobs.s3 import S3BlobStore

        return S3BlobStore(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            access_key=settings.s3_access_key or None,
            secret_key=settings.s3_secret_key or None,
        )
    raise ValueError(f"unknown blob backend {settings.blob_backend!r}")
