"""The machine the numbers come from, and its CPU accounting read straight from /proc
(Linux only: the harness needs no psutil)."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


@dataclass(frozen=True)
class Machine:
    cpu_model: str
    cores: int
    memory_gib: float
    kernel: str
    python: str
    sqlite: str
    postgresql: str
    filesystem: str  # of the work directory: fsync costs differ on tmpfs
    wrk: str

    def lines(self) -> list[str]:
        return [
            f"- CPU: {self.cpu_model}, {self.cores} cores",
            f"- RAM: {self.memory_gib:.1f} GiB",
            f"- Kernel: Linux {self.kernel}",
            f"- Python: {self.python}",
            f"- SQLite: {self.sqlite}",
            f"- PostgreSQL: {self.postgresql}",
            f"- Work directory filesystem: {self.filesystem}",
            f"- Load generator: {self.wrk}",
        ]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1024 * 1024)
    return 0.0


def _filesystem(path: Path) -> str:
    best, kind = "", "unknown"
    for line in Path("/proc/mounts").read_text().splitlines():
        _device, mount, fstype, *_ = line.split()
        if str(path.resolve()).startswith(mount) and len(mount) > len(best):
            best, kind = mount, fstype
    return f"{kind} (mounted on {best})"


def _wrk_version() -> str:
    try:
        # wrk has no --version: its usage banner names the version.
        shown = subprocess.run(
            ["wrk", "--version"],  # noqa: S607 - wrk is looked up on PATH on purpose
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return "wrk not installed"
    return (shown.stdout or shown.stderr).splitlines()[0].split(" Copyright")[0]


def describe(work_dir: Path, postgresql: str) -> Machine:
    return Machine(
        cpu_model=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=_memory_gib(),
        kernel=platform.release(),
        python=sys.version.split()[0],
        sqlite=sqlite3.sqlite_version,
        postgresql=postgresql,
        filesystem=_filesystem(work_dir),
        wrk=_wrk_version(),
    )


# -- CPU and memory accounting -----------------------------------------------------------------


def machine_ticks() -> tuple[int, int]:
    """(busy, stolen) jiffies of all cores since boot, from the first line of /proc/stat.
    Busy is user + nice + system + irq + softirq (guest time is inside user); stolen is
    the time the hypervisor gave this VM's CPUs to others, a noise of its own."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = values[:7]
    steal = values[7] if len(values) > 7 else 0
    return user + nice + system + irq + softirq, steal


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn --workers forks the workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


_PG_AUXILIARIES = ("walwriter", "checkpointer", "background writer", "autovacuum")


def postgresql_pids(database: str) -> list[int]:
    """The PostgreSQL processes working for ``database``: its backends, whose process
    title names it ("postgres: 15/main: user dmp_bench_x 127.0.0.1(5432) idle"), and the
    shared writers that flush its WAL and pages. Their CPU is the database's share of a
    run, not noise."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not title.startswith("postgres: "):
            continue
        if f" {database} " in title or any(name in title for name in _PG_AUXILIARIES):
            found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU seconds consumed so far by these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * PAGE_MIB


def own_cpu_seconds() -> tuple[float, float]:
    """(this process, its reaped children): the harness and the finished wrk runs."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def busy_cores(seconds: float, exclude: list[int]) -> float:
    """Cores kept busy during ``seconds`` by processes other than ``exclude`` and this
    one: what else runs on the machine right before a measurement."""
    busy0, _ = machine_ticks()
    excluded0 = cpu_seconds(exclude)
    self0, _ = own_cpu_seconds()
    start = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - start
    busy1, _ = machine_ticks()
    others = (busy1 - busy0) / CLOCK_TICKS - (cpu_seconds(exclude) - excluded0)
    others -= own_cpu_seconds()[0] - self0
    return max(others, 0.0) / wall
