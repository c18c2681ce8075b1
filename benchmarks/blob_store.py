"""Throughput of sealed blobs on the filesystem store, against a raw write as a yardstick.

Writes then reads ``--count`` sealed blobs of ``--size`` bytes (100 KiB by default) through
``put_sealed``/``get_sealed`` (AES-256-GCM, temp file, fsync, rename, directory fsync),
one at a time and with ``--concurrency`` operations in flight, and compares with a plain
``open().write()`` of the same bytes without fsync, which is what durability costs.

    .venv/bin/python benchmarks/blob_store.py [--count 500] [--dir /path/on/the/target/disk]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from dmp.blobs import get_sealed, new_blob_key, put_sealed
from dmp.blobs.filesystem import FilesystemBlobStore
from dmp.crypto import Keyring


async def _timed(
    count: int, concurrency: int, operation: Callable[[int], Awaitable[None]]
) -> float:
    """Operations per second running ``operation(i)`` for every i, ``concurrency`` at once."""
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:  # workers share one iterator: each index is done once
            await operation(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


def _raw_writes(directory: Path, payload: bytes, count: int) -> float:
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for index in range(count):
        with open(directory / f"raw-{index}", "wb") as handle:
            handle.write(payload)
    return count / (time.perf_counter() - started)


async def run(root: Path, count: int, size: int, concurrency: int) -> None:
    store = FilesystemBlobStore(root / "blobs")
    data_key = Keyring(os.urandom(32)).new_data_key()
    dossier = uuid.uuid4()
    payload = os.urandom(size)
    rounds: dict[str, float] = {}
    # The yardstick runs first, on a quiet disk: after the fsync rounds it would pay for
    # their pending writeback and flatter the ratio.
    raw = await asyncio.to_thread(_raw_writes, root / "raw", payload, count)

    for label, parallel in (("sequential", 1), (f"{concurrency} in flight", concurrency)):
        keys = [new_blob_key(dossier) for _ in range(count)]

        async def put(index: int, keys: list[str] = keys) -> None:
            await put_sealed(store, data_key, dossier, keys[index], payload)

        async def get(index: int, keys: list[str] = keys) -> None:
            if await get_sealed(store, data_key, dossier, keys[index]) != payload:
                raise AssertionError("round trip mismatch")

        rounds[f"put sealed + fsync, {label}"] = await _timed(count, parallel, put)
        rounds[f"get + unseal, {label}"] = await _timed(count, parallel, get)

    print(f"{count} blobs of {size // 1024} KiB under {root}")
    for name, rate in rounds.items():
        print(f"  {name:<38} {rate:>9.0f} ops/s")
    print(f"  {'raw open().write(), no fsync':<38} {raw:>9.0f} ops/s")
    for name, rate in rounds.items():
        if name.startswith("put"):
            print(f"  ratio {name} / raw write: {rate / raw:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--size", type=int, default=100 * 1024)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--dir", type=Path, default=None, help="a folder on the disk to measure")
    arguments = parser.parse_args()
    if arguments.dir is not None:
        asyncio.run(run(arguments.dir, arguments.count, arguments.size, arguments.concurrency))
        return
    with tempfile.TemporaryDirectory(prefix="dmp-bench-") as folder:
        asyncio.run(run(Path(folder), arguments.count, arguments.size, arguments.concurrency))


if __name__ == "__main__":
    main()
