"""The harness's pure arithmetic: percentiles, medians of repetitions, ratios, verdicts."""

from __future__ import annotations

import math

import pytest
from benchmarks.harness.stats import Sample, Series, percentile, ratio
from benchmarks.harness.targets import MET, MISSED, NOT_JUDGED, import_verdict, verdict


def sample(throughput: float, p99: float = 10.0, errors: int = 0, p50: float = 5.0) -> Sample:
    return Sample(throughput, p50, p99 * 0.9, p99, requests=100, errors=errors, seconds=1.0)


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 0) == 1.0
    assert percentile(values, 90) == pytest.approx(4.6)
    assert percentile(list(reversed(values)), 25) == 2.0


def test_percentile_of_nothing_or_one_value() -> None:
    assert math.isnan(percentile([], 99))
    assert percentile([7.0], 99) == 7.0


def test_series_keeps_the_median_of_each_figure_and_the_total_of_errors() -> None:
    series = Series("search", "SQLite", 8)
    series.samples += [sample(100, p99=30), sample(300, p99=10, errors=2), sample(200, p99=20)]
    median = series.median()
    assert median is not None
    assert median.throughput == 200
    assert median.p99_ms == 20
    assert median.errors == 2  # one failing repetition is never hidden by the median
    assert median.requests == 300
    assert Series("search", "SQLite", 8).median() is None


def test_missing_figures_do_not_poison_the_median() -> None:
    series = Series("search", "SQLite", 8)
    series.samples += [sample(100), sample(300)]
    median = series.median()
    assert median is not None
    assert math.isnan(median.server_cpu)
    assert median.throughput == 200


def test_ratio_is_nan_without_a_baseline() -> None:
    assert ratio(50, 200) == 0.25
    assert math.isnan(ratio(50, 0))
    assert math.isnan(ratio(50, math.nan))


def test_search_target_depends_on_the_database_and_the_tail() -> None:
    assert verdict("search", "SQLite", 8, sample(2100, p99=40)) == MET
    assert verdict("search", "SQLite", 8, sample(1700, p99=40)) == MISSED
    assert verdict("search", "PostgreSQL", 8, sample(1700, p99=40)) == MET
    assert verdict("search", "PostgreSQL", 8, sample(1700, p99=60)) == MISSED
    assert verdict("search", "PostgreSQL", 8, sample(1700, p99=40, errors=1)) == MISSED


def test_portal_is_judged_on_server_time_at_concurrency_one_only() -> None:
    assert verdict("portal", "SQLite", 1, sample(50, p50=80)) == MET
    assert verdict("portal", "SQLite", 1, sample(50, p50=120)) == MISSED
    assert verdict("portal", "SQLite", 8, sample(50, p50=80)) == NOT_JUDGED
    assert verdict("mixed", "SQLite", 8, sample(50)) == NOT_JUDGED


def test_import_target_is_for_postgresql() -> None:
    assert import_verdict("PostgreSQL", 60_000) == (MET, MISSED)
    assert import_verdict("PostgreSQL", 80_000) == (MET, MET)
    assert import_verdict("SQLite", 80_000) == (NOT_JUDGED, NOT_JUDGED)
