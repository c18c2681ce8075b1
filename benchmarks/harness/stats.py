"""What one measured run produced, and how repetitions fold into one figure (pure)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

PERCENTILES = (50, 95, 99)


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile by linear interpolation between closest ranks (numpy's default),
    so that the in-process baselines and wrk's histogram mean the same thing; NaN when
    there is no sample."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


@dataclass(frozen=True)
class Sample:
    """One run of one workload at one concurrency level. Latencies in milliseconds;
    ``server_cpu`` in cores (CPU seconds of the server's processes / wall seconds);
    ``other_cpu`` in cores used by processes that are neither the server, the load
    generator nor the harness — the noise of a shared machine."""

    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    seconds: float
    server_cpu: float = math.nan
    database_cpu: float = math.nan  # PostgreSQL's processes for this database
    peak_rss_mib: float = math.nan  # the largest worker process seen during the run
    rss_start_mib: float = math.nan
    rss_end_mib: float = math.nan
    other_cpu: float = math.nan
    stolen_cpu: float = math.nan  # cores the hypervisor gave to other guests meanwhile
    busy_before: float = math.nan  # cores busy just before the run, server excluded


@dataclass
class Series:
    """The repetitions of one (workload, database, concurrency) cell."""

    workload: str
    database: str
    concurrency: int
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    def median(self) -> Sample | None:
        """Each figure is the median of that figure over the repetitions (errors: the
        total, so that a single failing repetition is never hidden)."""
        if not self.samples:
            return None
        values: dict[str, float | int] = {}
        for item in fields(Sample):
            column = [getattr(sample, item.name) for sample in self.samples]
            if item.name in ("requests", "errors"):
                values[item.name] = sum(column)
            else:
                values[item.name] = _nan_median(column)
        return Sample(**values)  # type: ignore[arg-type]


def _nan_median(values: Sequence[float]) -> float:
    present = [value for value in values if not math.isnan(value)]
    return statistics.median(present) if present else math.nan


def ratio(value: float, baseline: float) -> float:
    """``value / baseline``; NaN when either is missing or the baseline is zero."""
    if math.isnan(value) or math.isnan(baseline) or baseline == 0:
        return math.nan
    return value / baseline
