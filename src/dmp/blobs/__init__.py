"""Content store for document bodies: a local filesystem (default) or an S3-compatible API."""

from dmp.blobs.sealed import SealBroken, get_sealed, put_sealed, seal, unseal
from dmp.blobs.store import (
    BlobEntry,
    BlobError,
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    new_blob_key,
    open_blob_store,
    validate_key,
)

__all__ = [
    "BlobEntry",
    "BlobError",
    "BlobNotFound",
    "BlobStore",
    "InvalidBlobKey",
    "SealBroken",
    "get_sealed",
    "new_blob_key",
    "open_blob_store",
    "put_sealed",
    "seal",
    "unseal",
    "validate_key",
]
