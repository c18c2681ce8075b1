"""The BlobStore contract, run identically against the filesystem and S3 backends."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dmp.blobs import (
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    new_blob_key,
    open_blob_store,
    validate_key,
)
from dmp.blobs.filesystem import FilesystemBlobStore
from dmp.blobs.s3 import S3BlobStore
from dmp.config import Settings

DOSSIER = uuid.UUID("0192f0c4-6f1e-7a3b-9c2d-4e5f60718293")

TRAVERSALS = [
    "../outside",
    "a/../../outside",
    "/etc/passwd",
    "a/./b",
    "..",
    ".",
    "a/..",
    "a\\..\\b",
    "a//b",
    "a/",
    "",
    "A/B",  # upper case: two keys must never share a file on a case-insensitive disk
    ".tmp-abc",
    "a\x00b",
    "dossier/é",
    "a/b/c/d/e",  # deeper than the key shape allows
    "x" * 65,
]


def _payloads() -> list[bytes]:
    return [b"", b"\x00", bytes(range(256)) * 4, os.urandom(100 * 1024)]


@pytest.mark.parametrize("payload", _payloads(), ids=["empty", "nul", "all-bytes", "100KiB"])
async def test_put_get_round_trip_is_byte_for_byte(store: BlobStore, payload: bytes) -> None:
    key = new_blob_key(DOSSIER)
    await store.put(key, payload)
    assert await store.get(key) == payload
    assert await store.exists(key)


async def test_put_replaces_the_previous_value(store: BlobStore) -> None:
    key = new_blob_key(DOSSIER)
    await store.put(key, b"first version, longer than the second")
    await store.put(key, b"second")
    assert await store.get(key) == b"second"


async def test_missing_blob(store: BlobStore) -> None:
    key = new_blob_key(DOSSIER)
    assert not await store.exists(key)
    with pytest.raises(BlobNotFound) as caught:
        await store.get(key)
    assert caught.value.key == key


async def test_delete_is_idempotent(store: BlobStore) -> None:
    key = new_blob_key(DOSSIER)
    await store.put(key, b"x")
    await store.delete(key)
    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(BlobNotFound):
        await store.get(key)


async def test_listing_by_prefix(store: BlobStore) -> None:
    other = uuid.UUID("0192f0c4-6f1e-7a3b-9c2d-000000000000")
    mine = {new_blob_key(DOSSIER) for _ in range(3)}
    theirs = {new_blob_key(other) for _ in range(2)}
    for key in mine | theirs:
        await store.put(key, key.encode())
    assert {k async for k in store.list_keys(f"{DOSSIER}/")} == mine
    assert {k async for k in store.list_keys()} == mine | theirs
    # A prefix is a plain string prefix, which may stop inside a segment.
    assert {k async for k in store.list_keys("0192f0c4-6f1e-7a3b-9c2d-4")} == mine
    assert [k async for k in store.list_keys("ffff")] == []


async def test_list_with_mtime_reports_size_and_recent_utc_time(store: BlobStore) -> None:
    key = new_blob_key(DOSSIER)
    before = datetime.now(UTC) - timedelta(seconds=5)
    await store.put(key, b"12345")
    entries = [e async for e in store.list_with_mtime(f"{DOSSIER}/")]
    assert [(e.key, e.size) for e in entries] == [(key, 5)]
    modified = entries[0].modified_at
    assert modified.tzinfo is not None
    assert before <= modified <= datetime.now(UTC) + timedelta(seconds=5)


async def test_delete_prefix_removes_one_dossier_only(store: BlobStore) -> None:
    # Same leading characters: a string-prefix deletion without the boundary would hit both.
    neighbour = uuid.UUID(str(DOSSIER)[:-1] + "4")
    mine = [new_blob_key(DOSSIER) for _ in range(3)]
    kept = new_blob_key(neighbour)
    for key in [*mine, kept]:
        await store.put(key, b"data")
    assert await store.delete_prefix(f"{DOSSIER}/") == 3
    assert [k async for k in store.list_keys(f"{DOSSIER}/")] == []
    assert await store.get(kept) == b"data"
    assert await store.delete_prefix(f"{DOSSIER}/") == 0


@pytest.mark.parametrize("prefix", ["", "0192", str(DOSSIER), "../", "/"])
async def test_delete_prefix_requires_whole_segments(store: BlobStore, prefix: str) -> None:
    with pytest.raises(InvalidBlobKey):
        await store.delete_prefix(prefix)


@pytest.mark.parametrize("key", TRAVERSALS)
async def test_every_operation_refuses_a_malformed_key(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidBlobKey):
        await store.put(key, b"escape")
    with pytest.raises(InvalidBlobKey):
        await store.get(key)
    with pytest.raises(InvalidBlobKey):
        await store.exists(key)
    with pytest.raises(InvalidBlobKey):
        await store.delete(key)


@pytest.mark.parametrize("prefix", ["../", "/etc", "a/../", "A", "a//"])
async def test_listing_refuses_a_malformed_prefix(store: BlobStore, prefix: str) -> None:
    with pytest.raises(InvalidBlobKey):
        _ = [k async for k in store.list_keys(prefix)]


async def test_traversal_attempt_writes_nothing_outside_the_root(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "root" / "blobs")
    for key in ["../escaped", "../../escaped", "/tmp/escaped"]:  # noqa: S108 — hostile input
        with pytest.raises(InvalidBlobKey):
            await store.put(key, b"pwned")
    assert not await asyncio.to_thread(lambda: list(tmp_path.rglob("escaped")))


def test_new_blob_key_shape() -> None:
    key = new_blob_key(str(DOSSIER).upper())
    dossier, blob = key.split("/")
    assert dossier == str(DOSSIER)
    assert len(blob) == 32
    assert validate_key(key) == key
    with pytest.raises(ValueError, match="badly formed"):
        new_blob_key("../../etc")


async def test_open_blob_store_builds_each_backend(tmp_path: Path, s3_endpoint: str) -> None:
    filesystem = open_blob_store(Settings(var_dir=tmp_path / "var"))
    assert isinstance(filesystem, FilesystemBlobStore)
    assert filesystem.root == (tmp_path / "var" / "blobs").absolute()
    assert isinstance(filesystem, BlobStore)  # structurally satisfies the protocol

    s3 = open_blob_store(
        Settings(
            blob_backend="s3",
            s3_endpoint_url=s3_endpoint,
            s3_bucket="factory-bucket",
            s3_access_key="testing",
            s3_secret_key="testing",
        )
    )
    assert isinstance(s3, S3BlobStore)
    await s3.ensure_bucket()
    key = new_blob_key(DOSSIER)
    await s3.put(key, b"through the factory")
    assert await s3.get(key) == b"through the factory"
    await s3.close()
