"""One worker at a time on SQLite: an exclusive ``flock`` on a file beside the database.

SQLite serialises writers but offers no ``SKIP LOCKED``; two workers would each claim
and then wait on the other. The lock is the operating system's, so a worker killed with
SIGKILL releases it at once and a restarted worker can take over without waiting for a
lease to run out. On PostgreSQL no lock is taken: workers share the work.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


class WorkerAlreadyRunning(RuntimeError):
    pass


def lock_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).with_name(Path(url.database).name + ".worker.lock")


@contextmanager
def single_worker(database_url: str) -> Iterator[None]:
    path = lock_path(database_url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkerAlreadyRunning(
                f"un autre « dmp worker » tourne déjà sur cette base SQLite ({path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
