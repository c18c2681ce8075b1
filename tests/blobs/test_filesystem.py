"""What only the filesystem backend must prove: durable, atomic writes and a sealed root."""

from __future__ import annotations

import asyncio
import os
import stat
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dmp.blobs import new_blob_key
from dmp.blobs.filesystem import TEMP_PREFIX, FilesystemBlobStore

DOSSIER = uuid.UUID("0192f0c4-6f1e-7a3b-9c2d-4e5f60718293")


def _temp_files(root: Path) -> list[Path]:
    return list(root.rglob(f"{TEMP_PREFIX}*"))


async def test_the_final_key_appears_only_complete_and_after_fsync(
    fs_store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_blob_key(DOSSIER)
    final = fs_store.root.joinpath(*key.split("/"))
    payload = os.urandom(64 * 1024)
    seen: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def spying_fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            # The data is synced while it still sits under a temporary name.
            assert not final.exists(), "the final key is visible before the data is durable"
            (temp,) = _temp_files(fs_store.root)
            assert temp.parent == final.parent  # same directory: the rename is atomic
            seen.append("file")
        else:
            seen.append("dir")
        real_fsync(fd)

    def spying_replace(source: str, target: os.PathLike[str] | str) -> None:
        assert seen[-1:] == ["file"], "rename before the file was synced"
        seen.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", spying_fsync)
    monkeypatch.setattr(os, "replace", spying_replace)
    await fs_store.put(key, payload)

    assert seen[-3:] == ["file", "rename", "dir"]  # …and the directory is synced last
    assert final.read_bytes() == payload
    assert _temp_files(fs_store.root) == []


async def test_a_failed_write_leaves_neither_the_key_nor_a_temp_file(
    fs_store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_blob_key(DOSSIER)
    await fs_store.put(key, b"old and complete")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="I/O error"):
        await fs_store.put(key, b"new but never durable")
    monkeypatch.undo()

    assert await fs_store.get(key) == b"old and complete"
    assert _temp_files(fs_store.root) == []


async def test_a_reader_never_sees_a_partial_overwrite(
    fs_store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_blob_key(DOSSIER)
    old, new = b"A" * 200_000, b"B" * 300_000
    await fs_store.put(key, old)
    observed: list[bytes] = []
    real_fsync = os.fsync
    final = fs_store.root.joinpath(*key.split("/"))

    def reading_fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            observed.append(final.read_bytes())  # a reader in the middle of the write
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", reading_fsync)
    await fs_store.put(key, new)
    assert observed == [old]
    assert await fs_store.get(key) == new


async def test_temp_files_are_not_listed_and_stale_ones_are_swept(
    fs_store: FilesystemBlobStore,
) -> None:
    key = new_blob_key(DOSSIER)
    await fs_store.put(key, b"kept")
    directory = fs_store.root / str(DOSSIER)
    stale = directory / f"{TEMP_PREFIX}crashed"
    fresh = directory / f"{TEMP_PREFIX}in-progress"
    stale.write_bytes(b"left by a crash")
    fresh.write_bytes(b"being written")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))

    assert [k async for k in fs_store.list_keys()] == [key]
    removed = await fs_store.remove_stale_temp_files(older_than=timedelta(minutes=10))
    assert removed == 1
    assert not stale.exists()
    assert fresh.exists()
    assert await fs_store.get(key) == b"kept"


async def test_files_and_directories_are_private(fs_store: FilesystemBlobStore) -> None:
    key = new_blob_key(DOSSIER)
    await fs_store.put(key, b"health data")
    path = fs_store.root.joinpath(*key.split("/"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


async def test_listing_does_not_follow_symlinks_out_of_the_root(
    fs_store: FilesystemBlobStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"not ours")
    await fs_store.put(new_blob_key(DOSSIER), b"ours")
    (fs_store.root / "linked").symlink_to(outside, target_is_directory=True)
    keys = [k async for k in fs_store.list_keys()]
    assert all(not k.startswith("linked") for k in keys)
    assert len(keys) == 1


async def test_delete_prefix_removes_the_dossier_directory(fs_store: FilesystemBlobStore) -> None:
    for _ in range(3):
        await fs_store.put(new_blob_key(DOSSIER), b"x")
    (fs_store.root / str(DOSSIER) / f"{TEMP_PREFIX}orphan").write_bytes(b"x")
    assert await fs_store.delete_prefix(f"{DOSSIER}/") == 3
    assert not (fs_store.root / str(DOSSIER)).exists()


async def test_concurrent_puts_in_a_new_directory(fs_store: FilesystemBlobStore) -> None:
    keys = [new_blob_key(DOSSIER) for _ in range(20)]
    await asyncio.gather(*(fs_store.put(k, k.encode()) for k in keys))
    assert sorted([k async for k in fs_store.list_keys(f"{DOSSIER}/")]) == sorted(keys)
    for key in keys:
        assert await fs_store.get(key) == key.encode()


async def test_mtime_follows_the_file(fs_store: FilesystemBlobStore) -> None:
    key = new_blob_key(DOSSIER)
    await fs_store.put(key, b"old")
    path = fs_store.root.joinpath(*key.split("/"))
    long_ago = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    os.utime(path, (long_ago, long_ago))
    (entry,) = [e async for e in fs_store.list_with_mtime()]
    assert entry.modified_at == datetime(2020, 1, 1, tzinfo=UTC)
