"""The targets of issue 10 as data, and their verdict on one measured row (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.harness.stats import Sample
from benchmarks.harness.workloads import IMPORT, PORTAL, PROVIDE, RETRIEVE, SEARCH

MET, MISSED, NOT_JUDGED = "✓", "✗", "—"
RSS_LIMIT_MIB = 300.0


@dataclass(frozen=True)
class Target:
    stretch: str
    min_rate: dict[str, float]  # by database label; empty: no throughput target
    max_p99_ms: float | None = None
    max_p50_ms: float | None = None  # the portal's "server time"
    only_concurrency: int | None = None  # judged at this level only
    unit: str = "/s"

    def text_for(self, database: str) -> str:
        """The target as it applies to ``database``, in the issue's words."""
        parts = []
        if self.min_rate:
            if database not in self.min_rate:
                return "— (" + " and ".join(sorted(self.min_rate)) + " only)"
            parts.append(f"≥ {self.min_rate[database]:,.0f}{self.unit}")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:.0f} ms")
        if self.max_p50_ms is not None:
            parts.append(f"≤ {self.max_p50_ms:.0f} ms server time (p50 at c=1)")
        return ", ".join(parts)


_RATES = {"SQLite": 2000.0, "PostgreSQL": 1600.0}
TARGETS: dict[str, Target] = {
    SEARCH: Target("≥ 0.5 × minimal ASGI", _RATES, max_p99_ms=50.0),
    PROVIDE: Target("≥ 1,000/s", {"SQLite": 500.0, "PostgreSQL": 500.0}, max_p99_ms=100.0),
    RETRIEVE: Target("≥ 3,000/s", {"SQLite": 1500.0, "PostgreSQL": 1500.0}, max_p99_ms=50.0),
    IMPORT: Target("≥ 70,000 lines/s", {"PostgreSQL": 50_000.0}, unit=" lines/s"),
    PORTAL: Target("≤ 30 ms", {}, max_p50_ms=100.0, only_concurrency=1),
}
STRETCH_RATE = {PROVIDE: 1000.0, RETRIEVE: 3000.0, IMPORT: 70_000.0}
STRETCH_ASGI_SHARE = {SEARCH: 0.5}
STRETCH_P50_MS = {PORTAL: 30.0}


def verdict(workload: str, database: str, concurrency: int, sample: Sample | None) -> str:
    """✓ when every bound of the target holds on this row, ✗ when one fails, — when the
    row is not one the target speaks of (another database, another level, no target)."""
    target = TARGETS.get(workload)
    if target is None or sample is None:
        return NOT_JUDGED
    if target.only_concurrency is not None and concurrency != target.only_concurrency:
        return NOT_JUDGED
    checks: list[bool] = []
    if target.min_rate:
        if database not in target.min_rate:
            return NOT_JUDGED
        checks.append(sample.throughput >= target.min_rate[database])
    if target.max_p99_ms is not None:
        checks.append(sample.p99_ms <= target.max_p99_ms)
    if target.max_p50_ms is not None:
        checks.append(sample.p50_ms <= target.max_p50_ms)
    if sample.errors:
        checks.append(False)
    if not checks or any(math.isnan(value) for value in (sample.throughput, sample.p99_ms)):
        return NOT_JUDGED
    return MET if all(checks) else MISSED


def stretch_verdict(
    workload: str, database: str, concurrency: int, sample: Sample | None, asgi_share: float
) -> str:
    if sample is None or verdict(workload, database, concurrency, sample) == NOT_JUDGED:
        return NOT_JUDGED
    if workload in STRETCH_RATE:
        return MET if sample.throughput >= STRETCH_RATE[workload] else MISSED
    if workload in STRETCH_ASGI_SHARE:
        if math.isnan(asgi_share):
            return NOT_JUDGED
        return MET if asgi_share >= STRETCH_ASGI_SHARE[workload] else MISSED
    if workload in STRETCH_P50_MS:
        return MET if sample.p50_ms <= STRETCH_P50_MS[workload] else MISSED
    return NOT_JUDGED


def import_verdict(database: str, lines_per_second: float) -> tuple[str, str]:
    target = TARGETS[IMPORT]
    if database not in target.min_rate:
        return NOT_JUDGED, NOT_JUDGED
    main = MET if lines_per_second >= target.min_rate[database] else MISSED
    stretch = MET if lines_per_second >= STRETCH_RATE[IMPORT] else MISSED
    return main, stretch
