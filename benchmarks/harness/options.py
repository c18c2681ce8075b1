"""Command-line options of ``python -m benchmarks``; ``--quick`` changes the defaults, any
option given explicitly still wins."""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness.databases import DEFAULT_PG_ADMIN, POSTGRESQL, SQLITE
from benchmarks.harness.workloads import ALL, OPTIONAL

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"
MAX_RUN_SECONDS = 240

# name: (full run, --quick)
DEFAULTS: dict[str, tuple[object, object]] = {
    "dossiers": (10_000, 300),
    "professionals": (3_000, 300),
    "duration": (25, 3),
    "warmup": (3, 1),
    "concurrency": ("1,8,32,64", "8"),
    "repeat": (3, 1),
    "patients": (100, 20),
    "creates": (100, 20),
    "import_lines": (200_000, 20_000),
    "render_limit": (200, 20),
    "busy_window": (1.0, 0.25),
}


@dataclass
class Options:
    quick: bool
    dossiers: int
    professionals: int
    databases: list[str]
    workloads: list[str]
    duration: int
    baseline_duration: int
    warmup: int
    concurrency: list[int]
    repeat: int
    workers: int
    patients: int
    documents_each: int
    creates: int
    import_lines: int
    render_limit: int
    busy_window: float
    pg: str
    work_dir: Path
    own_work_dir: bool  # a temporary one, removed at the end; a given one is kept (logs)
    results_dir: Path
    seed: int
    argv: str

    @property
    def portal_levels(self) -> list[int]:
        """The portal's target is a server time: concurrency 1 is always measured."""
        return sorted({1, *(self.concurrency if not self.quick else [])})


def _names(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(unknown)}")
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="OpenDMP benchmark harness (issue 10): population, load, baselines, report.",
    )
    p.add_argument("--quick", action="store_true", help="small population, short runs (< 2 min)")
    p.add_argument("--dossiers", type=int, help="dossiers of the population (10,000)")
    p.add_argument("--professionals", type=int, help="professionals in the directory (3,000)")
    p.add_argument("--databases", default=f"{SQLITE},{POSTGRESQL}")
    p.add_argument("--workloads", default=",".join(ALL), help=",".join(ALL + OPTIONAL))
    p.add_argument("--duration", type=int, help="seconds per measured run (25)")
    p.add_argument(
        "--baseline-duration",
        type=int,
        help="seconds per minimal-ASGI baseline run (as --duration; shorter for a soak)",
    )
    p.add_argument("--warmup", type=int, help="seconds of warm-up per cell (3)")
    p.add_argument("--concurrency", help="comma-separated levels (1,8,32,64)")
    p.add_argument("--repeat", type=int, help="runs per cell, the median is kept (3)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers of the server (1)")
    p.add_argument("--patients", type=int, help="searched patients of the comparison set (100)")
    p.add_argument("--documents-each", type=int, default=10, help="documents per patient (10)")
    p.add_argument("--creates", type=int, help="patients of the creates set (100)")
    p.add_argument("--import-lines", type=int, help="reimbursement lines imported (200,000)")
    p.add_argument("--render-limit", type=int, help="history documents rendered after (200)")
    p.add_argument("--busy-window", type=float, help="seconds of CPU check before a run (1)")
    p.add_argument("--pg", default=DEFAULT_PG_ADMIN, help="admin URL of the PostgreSQL server")
    p.add_argument("--work-dir", type=Path, help="where databases, blobs and logs go (a temp dir)")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    p.add_argument("--seed", type=int, default=20261123)
    return p


def parse(argv: list[str]) -> Options:
    p = parser()
    args = p.parse_args(argv)
    picked = {
        name: (getattr(args, name) if getattr(args, name) is not None else pair[args.quick])
        for name, pair in DEFAULTS.items()
    }
    try:
        databases = _names(args.databases, (SQLITE, POSTGRESQL), "database")
        workloads = _names(args.workloads, ALL + OPTIONAL, "workload")
        levels = [int(level) for level in str(picked["concurrency"]).split(",") if level]
    except (argparse.ArgumentTypeError, ValueError) as error:
        p.error(str(error))
    duration = int(str(picked["duration"]))
    baseline_duration = args.baseline_duration or duration
    if any(level < 1 for level in levels) or min(duration, baseline_duration) < 1:
        p.error("concurrency levels and durations are positive integers")
    if duration > MAX_RUN_SECONDS:
        # Assertions are signed before a run and live 5 minutes (auth.tokens): past that
        # the server rightly refuses them. A longer test is several runs (--repeat).
        p.error(f"--duration is at most {MAX_RUN_SECONDS} s; use --repeat for a soak")
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="dmp-bench-"))
    return Options(
        quick=args.quick,
        dossiers=int(str(picked["dossiers"])),
        professionals=int(str(picked["professionals"])),
        databases=databases,
        workloads=workloads,
        duration=duration,
        baseline_duration=baseline_duration,
        warmup=max(1, int(str(picked["warmup"]))),  # wrk counts whole seconds
        concurrency=levels,
        repeat=max(1, int(str(picked["repeat"]))),
        workers=args.workers,
        patients=int(str(picked["patients"])),
        documents_each=args.documents_each,
        creates=int(str(picked["creates"])),
        import_lines=int(str(picked["import_lines"])),
        render_limit=int(str(picked["render_limit"])),
        busy_window=float(str(picked["busy_window"])),
        pg=args.pg,
        work_dir=work_dir,
        own_work_dir=args.work_dir is None,
        results_dir=args.results_dir,
        seed=args.seed,
        argv=" ".join(argv),
    )
