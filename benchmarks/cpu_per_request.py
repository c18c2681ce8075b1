"""CPU per API request, measured in-process: the whole application (FastAPI, the services,
the database driver, SQLite itself) is driven one request at a time through
``httpx.ASGITransport``, with a fresh CPS assertion each, and the process's CPU time is
divided by the requests made. No network, no load generator, no other process sharing the
cores: a steady number to compare two versions of the code by, where the HTTP harness
(``python -m benchmarks``) measures the whole server under load. ``--profile`` writes a
cProfile of the measured requests (open it with ``python -m pstats``).

``--lock-hold`` (SQLite) also reports how long each request held the write gate's file
lock, i.e. the stretch the other processes sharing the database file cannot run beside
it: requests go one at a time here, so it is the stretch itself (its CPU, its fsync),
with no waiting for the lock or for a busy event loop in it.

``--alternate`` compares the application with and without ``DirectRoutes`` (decision
0007): the two, and an empty ASGI app that measures the test client's own share, take
turns in batches of 40 requests in the same process, so that a VM whose speed drifts
within a minute slows all three alike.

    python -m benchmarks.cpu_per_request [--databases sqlite,postgresql] [--requests 2000]
        [--alternate | --lock-hold]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import cProfile
import fcntl
import math
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope
from starlette.types import Send as ASGISend

from benchmarks.harness.comparison import build_comparison_set, make_pdf
from benchmarks.harness.credentials import Credentials, sign_batch
from benchmarks.harness.databases import DEFAULT_PG_ADMIN, POSTGRESQL, SQLITE, BenchDatabase
from benchmarks.harness.load import Request
from benchmarks.harness.population import populate
from benchmarks.harness.workloads import (
    PROVIDE,
    RETRIEVE,
    SEARCH,
    SINCE,
    Workloads,
    first_visit_since,
)
from dmp.app import create_app
from dmp.config import Settings
from dmp.db import engine as engine_module
from dmp.db.engine import create_engine
from dmp.runtime import build_runtime
from dmp.web.direct_routes import without_direct_routes

WORKLOADS = (SEARCH, SINCE, RETRIEVE, PROVIDE)


def _reference_ms() -> float:
    """CPU ms of a fixed piece of pure Python (dicts, strings, calls), the yardstick each
    workload is divided by: this VM's speed moves by half from one minute to the next,
    and a ratio measured in the same minute moves far less."""

    def work() -> int:
        total = 0
        for index in range(20_000):
            item: dict[str, Any] = {"id": index, "name": f"n{index}", "tags": [index, index + 1]}
            total += len(item["name"]) + sum(item["tags"])
        return total

    best = math.inf
    for _ in range(5):
        started = time.process_time()
        work()
        best = min(best, (time.process_time() - started) * 1000)
    return best


class FileLockClock:
    """Stands for the ``fcntl`` module in ``dmp.db.engine``: counts the turns of the write
    gate's file lock and the time it was held."""

    LOCK_EX, LOCK_NB, LOCK_UN = fcntl.LOCK_EX, fcntl.LOCK_NB, fcntl.LOCK_UN

    def __init__(self) -> None:
        self.held = 0.0
        self.turns = 0
        self._since: float | None = None

    def flock(self, fd: int, operation: int) -> None:
        fcntl.flock(fd, operation)  # a refusal (BlockingIOError) is no turn
        now = time.perf_counter()
        if operation & fcntl.LOCK_UN:
            if self._since is not None:
                self.held += now - self._since
                self._since = None
        else:
            self._since = now
            self.turns += 1


Send = Callable[[httpx.AsyncClient, int], Awaitable[None]]


def _sender(requests: list[Request], bodies: dict[str, bytes], tokens: list[bytes]) -> Send:
    """Sends request ``index`` (cycling through ``requests``) with assertion ``index``."""

    async def one(client: httpx.AsyncClient, index: int) -> None:
        request = requests[index % len(requests)]
        headers = dict(request.headers)
        headers["Authorization"] = f"Bearer {tokens[index].decode()}"
        body = bodies[request.body] if request.body else None
        if body is not None:
            headers["Content-Type"] = "application/fhir+json"
        answer = await client.request(request.method, request.path, headers=headers, content=body)
        if answer.status_code >= 300:
            raise RuntimeError(f"{request.path}: {answer.status_code} {answer.text[:300]}")

    return one


async def _measure(
    client: httpx.AsyncClient, send: Send, count: int, profile: cProfile.Profile | None
) -> tuple[float, float]:
    """(CPU ms, wall ms) per request over ``count`` requests."""
    warmup = min(50, count // 5)
    for index in range(warmup):
        await send(client, index)
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    for index in range(warmup, count):
        await send(client, index)
    if profile:
        profile.disable()
    count -= warmup
    return (
        (time.process_time() - cpu) * 1000 / count,
        (time.perf_counter() - wall) * 1000 / count,
    )


_BATCH = 40


async def _empty_app(scope: Scope, receive: Receive, send: ASGISend) -> None:
    """Reads the body and answers ``{}``: what is left is the test client's own CPU."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _alternate(
    clients: dict[str, httpx.AsyncClient], send: Send, count: int
) -> dict[str, float]:
    """CPU µs per request of each client, the clients taking turns by batches (in
    reversed order every other round), after a warm-up of one batch each."""
    index = 0
    for client in clients.values():
        for _ in range(_BATCH):
            await send(client, index)
            index += 1
    spent = dict.fromkeys(clients, 0.0)
    rounds = max(1, (count - index) // (_BATCH * len(clients)))
    for turn in range(rounds):
        names = list(clients) if turn % 2 == 0 else list(reversed(clients))
        for name in names:
            started = time.process_time()
            for _ in range(_BATCH):
                await send(clients[name], index)
                index += 1
            spent[name] += time.process_time() - started
    return {name: total * 1e6 / (rounds * _BATCH) for name, total in spent.items()}


async def _database(kind: str, options: argparse.Namespace, say: Callable[[str], None]) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"dmp-cpu-{kind}-"))
    credentials = Credentials.create(folder / "pki")
    database = await BenchDatabase.create(kind, folder, options.pg)
    try:
        await database.migrate()
        settings = Settings(
            var_dir=folder / "var",
            database_url=database.url,
            master_key=base64.b64encode(os.urandom(32)).decode(),
            environment="production",
            pki_ca_bundle=credentials.ca_bundle,
            pki_crl_file=credentials.crl_file,
        )
        rt = build_runtime(settings)
        engine = create_engine(database.url)
        await populate(engine, rt, dossiers=200, professionals=100, seed=1, quiet=True)
        comparison = await build_comparison_set(
            engine, rt, first_index=200, patients=20, documents_each=10, creates=20, seed=1
        )
        await engine.dispose()
        app = create_app(settings)
        plans = Workloads(
            comparison, first_visit_since(datetime.now(UTC).date()), make_pdf(100 * 1024)
        )
        base = settings.public_base_url
        apps: dict[str, ASGIApp] = {"direct": app}
        if options.alternate:
            apps |= {"fastapi": without_direct_routes(create_app(settings)), "client": _empty_app}
        clients = {
            name: httpx.AsyncClient(transport=httpx.ASGITransport(app=one), base_url=base)
            for name, one in apps.items()
        }
        for workload in options.workloads:
            plan = plans.plan(workload)
            count = options.requests * len(clients)
            tokens = sign_batch(credentials.keys, base, f"{workload}-{os.getpid()}", count)
            send = _sender(plan.requests, plan.bodies, tokens)
            if options.alternate:
                per = await _alternate(clients, send, count)
                direct, fastapi = per["direct"] - per["client"], per["fastapi"] - per["client"]
                say(
                    f"{kind:10} {workload:12} server CPU without DirectRoutes {fastapi:6.0f} µs, "
                    f"with {direct:6.0f} µs: {direct / fastapi:5.3f} "
                    f"(client {per['client']:.0f} µs)"
                )
                continue
            profile = cProfile.Profile() if options.profile else None
            clock = FileLockClock()
            watched = options.lock_hold and kind == SQLITE
            before = _reference_ms()
            with contextlib.ExitStack() as stack:
                if watched:
                    stack.enter_context(_watching(clock))
                cpu, wall = await _measure(clients["direct"], send, count, profile)
            reference = (before + _reference_ms()) / 2
            say(
                f"{kind:10} {workload:12} CPU {cpu:6.2f} ms/request, wall {wall:6.2f} ms, "
                f"{cpu / reference:5.3f} × reference ({reference:.2f} ms)"
            )
            if watched:
                say(  # over every request sent while watched, the warm-up's included
                    f"{'':10} {workload:12} write gate's file lock held "
                    f"{clock.held * 1e6 / count:6.0f} µs/request "
                    f"({clock.turns / count:.2f} turns)"
                )
            if profile:
                path = Path(options.profile) / f"{kind}-{workload}.prof"
                path.parent.mkdir(parents=True, exist_ok=True)
                profile.dump_stats(path)
                say(f"{'':10} profile: {path}")
        for client in clients.values():
            await client.aclose()
        for one in apps.values():
            if isinstance(one, FastAPI):
                await one.state.engine.dispose()
    finally:
        await database.drop()


@contextlib.contextmanager
def _watching(clock: FileLockClock) -> Any:
    # The module as the engine looks it up at each call (setattr: not an export of it).
    original = vars(engine_module)["fcntl"]
    setattr(engine_module, "fcntl", clock)  # noqa: B010
    try:
        yield
    finally:
        setattr(engine_module, "fcntl", original)  # noqa: B010


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default=f"{SQLITE},{POSTGRESQL}")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--requests", type=int, default=1000, help="per workload (1,000)")
    parser.add_argument("--pg", default=DEFAULT_PG_ADMIN, help="admin URL of PostgreSQL")
    parser.add_argument("--profile", help="a folder for cProfile files")
    parser.add_argument(
        "--alternate",
        action="store_true",
        help="with and without DirectRoutes, taking turns (decision 0007)",
    )
    parser.add_argument(
        "--lock-hold",
        action="store_true",
        help="SQLite: time the write gate's file lock was held per request",
    )
    options = parser.parse_args()
    options.workloads = options.workloads.split(",")
    for kind in options.databases.split(","):
        asyncio.run(_database(kind, options, print))


if __name__ == "__main__":
    main()
