"""The load generator: wrk, driven for a fixed duration at a fixed number of connections
(closed loop: each connection sends its next request when the previous answer arrives),
with a fresh CPS assertion on every request, while the server's CPU and memory are read
from /proc.

A cell (one workload at one concurrency) is a short warm-up, then ``repeat`` measured
runs. The warm-up primes the server (connection pools, verified-chain cache) and tells
how many assertions a run will need: signing is the costly part of preparing a run, so
each run gets its measured rate × duration × 1.5; a run that still runs out of them is
run again with twice as many.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import shutil
import time
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness.credentials import Credentials
from benchmarks.harness.machine import (
    CLOCK_TICKS,
    busy_cores,
    cpu_seconds,
    machine_ticks,
    own_cpu_seconds,
    rss_mib,
)
from benchmarks.harness.server import Server
from benchmarks.harness.stats import Sample

LUA_SCRIPT = Path(__file__).with_name("wrk.lua")
TOKEN_MARGIN = 1.5
MAX_RETRIES = 3
RSS_PERIOD = 0.25  # seconds between two memory readings
WARMUP_RATE_CAP = 4000.0  # requests/s a warm-up is given assertions for


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None  # the name of one of the plan's bodies


@dataclass
class Plan:
    """The requests of a workload, cycled through by every connection. ``signed``: each
    request carries a fresh assertion (the API); otherwise headers are sent as given
    (the portal's session cookie, the baseline)."""

    name: str
    requests: list[Request]
    bodies: dict[str, bytes] = field(default_factory=dict)
    signed: bool = True

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.bodies.items():
            (folder / name).write_bytes(data)
        lines = []
        for request in self.requests:
            fields = [request.path, *(part for pair in request.headers for part in pair)]
            if any(mark in value for value in fields for mark in ("\t", "|", "\n")):
                raise ValueError(f"{self.name}: tabs, | and newlines cannot appear in a plan")
            headers = "|".join(f"{name}: {value}" for name, value in request.headers)
            lines.append(f"{request.method}\t{request.path}\t{request.body or '-'}\t{headers}")
        (folder / "plan.tsv").write_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class WrkResult:
    raw: Mapping[str, Any]

    @property
    def seconds(self) -> float:
        return float(self.raw["duration_us"]) / 1e6

    @property
    def requests(self) -> int:
        return int(self.raw["requests"])

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        names = ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
        return sum(int(self.raw[name]) for name in names)

    @property
    def mean_latency_s(self) -> float:
        return float(self.raw["latency_mean_us"]) / 1e6

    @property
    def exhausted(self) -> bool:
        return int(self.raw["exhausted_threads"]) > 0

    def percentile_ms(self, p: str) -> float:
        return float(self.raw["percentiles_us"][p]) / 1000


@dataclass
class LoadGenerator:
    work_dir: Path
    credentials: Credentials
    pool: Executor
    duration: int
    warmup: int
    busy_window: float
    max_threads: int
    runs: int = 0

    def threads_for(self, concurrency: int) -> int:
        return max(1, min(concurrency, self.max_threads))

    async def warm(self, plan: Plan, server: Server, concurrency: int, ceiling: float) -> float:
        """Runs the warm-up; returns its rate (requests/s) as the next run's estimate."""
        # Capped: signing for the stack's ceiling would cost more than the warm-up itself.
        # A warm-up that runs short still primes the server.
        tokens = math.ceil(min(ceiling, WARMUP_RATE_CAP) * self.warmup) + 100
        result, _ = await self._measured(plan, server, concurrency, self.warmup, tokens)
        return (
            _sustained(result, concurrency)
            if plan.signed and result.exhausted
            else result.throughput
        )

    async def run(self, plan: Plan, server: Server, concurrency: int, rate: float) -> Sample:
        excluded = server.pids() + server.database_pids()
        busy = await asyncio.to_thread(busy_cores, self.busy_window, excluded)
        tokens = math.ceil(rate * self.duration * TOKEN_MARGIN) + 50 * concurrency
        for _attempt in range(MAX_RETRIES):
            result, sample = await self._measured(plan, server, concurrency, self.duration, tokens)
            if not (plan.signed and result.exhausted):
                return dataclasses.replace(sample, busy_before=busy)
            sustained = _sustained(result, concurrency)
            tokens = max(tokens * 2, math.ceil(sustained * self.duration * TOKEN_MARGIN))
        raise RuntimeError(f"{plan.name}: still short of assertions after {MAX_RETRIES} tries")

    async def _measured(
        self, plan: Plan, server: Server, concurrency: int, seconds: int, tokens: int
    ) -> tuple[WrkResult, Sample]:
        self.runs += 1
        folder = self.work_dir / f"run-{self.runs:04d}"
        plan.write(folder)
        threads = self.threads_for(concurrency)
        if plan.signed:
            paths = [folder / f"tokens-{n + 1}.txt" for n in range(threads)]
            await self.credentials.write_token_files(
                self.pool, server.base_url, paths, math.ceil(tokens / threads)
            )
        try:
            return await self._observe(plan, server, concurrency, threads, seconds, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def _observe(
        self,
        plan: Plan,
        server: Server,
        concurrency: int,
        threads: int,
        seconds: int,
        folder: Path,
    ) -> tuple[WrkResult, Sample]:
        pids, workers, database = server.pids(), server.worker_pids(), server.database_pids()
        peaks: list[float] = []
        stop = asyncio.Event()

        async def sample_memory() -> None:
            while not stop.is_set():
                peaks.append(max((rss_mib(pid) for pid in workers), default=0.0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RSS_PERIOD)

        server0, database0 = cpu_seconds(pids), cpu_seconds(database)
        busy0, steal0 = machine_ticks()
        self0, children0 = own_cpu_seconds()
        started = time.monotonic()
        sampler = asyncio.create_task(sample_memory())
        try:
            result = await self._wrk(plan, server, concurrency, threads, seconds, folder)
        finally:
            stop.set()
            await sampler
        wall = time.monotonic() - started
        server_cpu = cpu_seconds(pids) - server0
        database_cpu = cpu_seconds(database) - database0
        self1, children1 = own_cpu_seconds()
        busy1, steal1 = machine_ticks()
        machine = (busy1 - busy0) / CLOCK_TICKS
        # What neither the server, its database, wrk (a reaped child by now) nor the
        # harness used.
        harness = (self1 - self0) + (children1 - children0)
        other = machine - server_cpu - database_cpu - harness
        sample = Sample(
            throughput=result.throughput,
            p50_ms=result.percentile_ms("50"),
            p95_ms=result.percentile_ms("95"),
            p99_ms=result.percentile_ms("99"),
            requests=result.requests,
            errors=result.errors,
            seconds=result.seconds,
            server_cpu=server_cpu / wall,
            database_cpu=database_cpu / wall if database else math.nan,
            peak_rss_mib=max(peaks, default=math.nan),
            rss_start_mib=peaks[0] if peaks else math.nan,
            rss_end_mib=peaks[-1] if peaks else math.nan,
            other_cpu=max(other, 0.0) / wall,
            stolen_cpu=(steal1 - steal0) / CLOCK_TICKS / wall,
        )
        return result, sample

    async def _wrk(
        self,
        plan: Plan,
        server: Server,
        concurrency: int,
        threads: int,
        seconds: int,
        folder: Path,
    ) -> WrkResult:
        command = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s"]
        command += ["--timeout", "30s", "-s", str(LUA_SCRIPT), server.base_url]
        command += ["--", str(folder), "tokens" if plan.signed else "none"]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await process.communicate()
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise
        result_file = folder / "result.json"
        if process.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode()[-2000:]}")
        del out  # wrk's own summary: everything needed is in result.json
        return WrkResult(json.loads(result_file.read_text()))


def _sustained(result: WrkResult, concurrency: int) -> float:
    """The rate of a run that stopped early is meaningless; Little's law on the latencies
    it did measure says what a closed loop of this size sustains."""
    return concurrency / max(result.mean_latency_s, 1e-6)
