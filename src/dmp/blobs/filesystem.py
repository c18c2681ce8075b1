"""Blob store on a local (or mounted) filesystem: the default for a single node.

Durability recipe for ``put``: write a temporary file in the destination directory, fsync
it, rename it over the final name (atomic on POSIX within one filesystem), then fsync the
directory so the rename itself survives a power cut. Readers therefore see the old blob
or the complete new one, never a torn write.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TypeVar

from dmp.blobs.store import (
    BlobEntry,
    BlobNotFound,
    InvalidBlobKey,
    is_valid_key,
    validate_delete_prefix,
    validate_key,
    validate_list_prefix,
)

T = TypeVar("T")

TEMP_PREFIX = ".tmp-"
_LIST_BATCH = 512


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _take(iterator: Iterator[T], count: int) -> list[T]:
    return list(islice(iterator, count))


async def _iterate_in_thread(make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Drive a blocking iterator from worker threads a batch at a time, so that listing a
    large store neither blocks the event loop nor holds every name in memory."""
    iterator = make()
    while True:
        batch = await asyncio.to_thread(_take, iterator, _LIST_BATCH)
        if not batch:
            return
        for item in batch:
            yield item


def _may_hold(directory_key: str, prefix: str) -> bool:
    """Whether keys under ``directory_key/`` can start with ``prefix``."""
    head = directory_key + "/"
    return head.startswith(prefix) or prefix.startswith(head)


class FilesystemBlobStore:
    def __init__(self, root: Path | str) -> None:
        self._root = Path(root).absolute()

    @property
    def root(self) -> Path:
        return self._root

    def _path(self, key: str) -> Path:
        validate_key(key)
        path = self._root.joinpath(*key.split("/"))
        # The key shape already forbids "..", absolute paths and separators; this check
        # keeps the guarantee even if that pattern is ever loosened by mistake.
        if not path.is_relative_to(self._root):
            raise InvalidBlobKey(f"blob key {key!r} escapes the store")
        return path

    # -- writing ---------------------------------------------------------------------

    def _ensure_dir(self, directory: Path) -> None:
        if directory.is_dir():
            return
        if not self._root.is_dir():
            self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        missing: list[Path] = []
        current = directory
        while current != self._root and not current.is_dir():
            missing.append(current)
            current = current.parent
        for created in reversed(missing):
            with contextlib.suppress(FileExistsError):  # a concurrent put made it first
                created.mkdir(mode=0o700)
            # A new directory entry is durable only once its parent is synced.
            _fsync_dir(created.parent)

    def _put_sync(self, key: str, data: bytes) -> None:
        path = self._path(key)
        self._ensure_dir(path.parent)
        # mkstemp creates the file 0600: health data is never world-readable, even briefly.
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_dir(path.parent)

    async def put(self, key: str, data: bytes) -> None:
        validate_key(key)
        await asyncio.to_thread(self._put_sync, key, bytes(data))

    # -- reading ---------------------------------------------------------------------

    def _get_sync(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None

    async def get(self, key: str) -> bytes:
        validate_key(key)
        return await asyncio.to_thread(self._get_sync, key)

    def read_small(self, key: str) -> bytes:
        """``get`` on the calling thread, for a blob known to be small (a few KB): reading
        it from a local file takes microseconds, less than the hand-off to a worker
        thread and back. Not for large blobs, nor for a slow network mount."""
        validate_key(key)
        return self._get_sync(key)

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await asyncio.to_thread(path.is_file)

    # -- deleting --------------------------------------------------------------------

    def _delete_sync(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return
        # A purge must not come back after a crash: make the removal durable too.
        _fsync_dir(path.parent)

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._delete_sync, key)

    def _delete_prefix_sync(self, prefix: str) -> int:
        directory = self._root.joinpath(*prefix.rstrip("/").split("/"))
        if not directory.is_dir():
            return 0
        count = sum(1 for _ in self._walk(prefix))
        # Everything under the prefix goes, leftover temporary files included.
        shutil.rmtree(directory)
        _fsync_dir(directory.parent)
        return count

    async def delete_prefix(self, prefix: str) -> int:
        validate_delete_prefix(prefix)
        return await asyncio.to_thread(self._delete_prefix_sync, prefix)

    # -- listing ---------------------------------------------------------------------

    def _walk(self, prefix: str) -> Iterator[tuple[str, os.stat_result]]:
        head = prefix.rpartition("/")[0]
        start = self._root.joinpath(*head.split("/")) if head else self._root
        pending: list[tuple[Path, str]] = [(start, head)]
        while pending:
            directory, relative = pending.pop()
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        key = f"{relative}/{entry.name}" if relative else entry.name
                        if entry.is_dir(follow_symlinks=False):
                            if _may_hold(key, prefix):
                                pending.append((Path(entry.path), key))
                        elif (
                            entry.is_file(follow_symlinks=False)
                            and key.startswith(prefix)
                            and is_valid_key(key)  # skips temporary and foreign files
                        ):
                            yield key, entry.stat(follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                continue  # removed while listing, or the prefix names no directory

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_list_prefix(prefix)
        async for key, _ in _iterate_in_thread(lambda: self._walk(prefix)):
            yield key

    async def list_with_mtime(self, prefix: str = "") -> AsyncIterator[BlobEntry]:
        validate_list_prefix(prefix)
        async for key, stat in _iterate_in_thread(lambda: self._walk(prefix)):
            yield BlobEntry(
                key=key,
                size=stat.st_size,
                modified_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
            )

    # -- maintenance -----------------------------------------------------------------

    def _remove_stale_temp_files_sync(self, cutoff: float) -> int:
        removed = 0
        for directory, _dirs, files in os.walk(self._root):
            for name in files:
                if not name.startswith(TEMP_PREFIX):
                    continue
                path = os.path.join(directory, name)
                with contextlib.suppress(FileNotFoundError):
                    if os.stat(path, follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(path)
                        removed += 1
        return removed

    async def remove_stale_temp_files(
        self, *, older_than: timedelta, now: datetime | None = None
    ) -> int:
        """Delete temporary files left by a crash during ``put``. Only files older than
        ``older_than`` go, so that writes in progress are never disturbed."""
        reference = now or datetime.now(UTC)
        cutoff = (reference - older_than).timestamp()
        return await asyncio.to_thread(self._remove_stale_temp_files_sync, cutoff)

    async def close(self) -> None:
        return None
