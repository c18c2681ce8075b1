"""The server under test, as a subprocess: ``uvicorn`` with uvloop and httptools, on a
free port of 127.0.0.1, either the DMP (``dmp.app:app_from_environment --factory``) or
the baseline app, with exactly the same flags.

Every process started here is registered, so that a failure or Ctrl-C anywhere still
ends it (``stop_all``, also run at exit); each runs in its own process group, ended as a
group, so that ``--workers`` children go with their parent.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from benchmarks.harness.machine import process_tree

_RUNNING: set[asyncio.subprocess.Process] = set()
DMP_APP = ("--factory", "dmp.app:app_from_environment")
BASELINE_APP = ("benchmarks.harness.baseline_app:app",)
REPOSITORY = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _kill_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop_all() -> None:
    """Last resort (exit, signal): no waiting, just make sure nothing is left behind."""
    for process in list(_RUNNING):
        if process.returncode is None:
            _kill_group(process, signal.SIGKILL)
    _RUNNING.clear()


atexit.register(stop_all)


class Server:
    def __init__(
        self,
        app: tuple[str, ...],
        *,
        env: Mapping[str, str],
        log_path: Path,
        workers: int = 1,
        port: int | None = None,
        health_path: str = "/health",
        database_pids: Callable[[], list[int]] | None = None,
    ) -> None:
        self.app = app
        self.env = dict(env)
        self.log_path = log_path
        self.workers = workers
        self.port = port or free_port()
        self.health_path = health_path
        # PostgreSQL's processes serving this server (none for SQLite: it is in-process).
        self.database_pids = database_pids or (list)
        self.process: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "uvicorn", *self.app]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        # What a production deployment runs: uvloop, httptools, no access log.
        command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
        command += ["--log-level", "warning"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        return command

    async def start(self, wait: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command(),
                env=self.env,
                cwd=REPOSITORY,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()  # the child holds its own descriptor
        _RUNNING.add(self.process)
        deadline = time.monotonic() + wait
        async with httpx.AsyncClient(timeout=5) as http:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    break
                with contextlib.suppress(httpx.TransportError):
                    answer = await http.get(self.base_url + self.health_path)
                    if answer.status_code == 200:
                        return
                await asyncio.sleep(0.2)
        await self.stop()
        raise RuntimeError(f"the server did not start; its log: {self.log_path}\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pids(self) -> list[int]:
        return process_tree(self.process.pid) if self.process is not None else []

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the children under ``--workers``, else the
        one process."""
        tree = self.pids()
        return tree[1:] if len(tree) > 1 else tree

    async def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.returncode is not None:
            _RUNNING.discard(process)
            return
        _kill_group(process, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            _kill_group(process, signal.SIGKILL)
            await process.wait()
        _RUNNING.discard(process)
