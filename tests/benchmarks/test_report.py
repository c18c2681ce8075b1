"""The report: each measured row beside its target and its same-run baseline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness.imports import ImportResult
from benchmarks.harness.machine import Machine
from benchmarks.harness.report import DatabaseResults, RunResults, render, write
from benchmarks.harness.stats import Sample

MACHINE = Machine("Test CPU", 2, 24.0, "6.1", "3.11.7", "3.40.1", "15.2", "ext4", "wrk 4.1")


def sample(throughput: float, p99: float, other: float = 0.0, stolen: float = 0.0) -> Sample:
    return Sample(
        throughput, p99 / 3, p99 / 2, p99, requests=1000, errors=0, seconds=25.0,
        server_cpu=0.9, peak_rss_mib=150.0, other_cpu=other, busy_before=0.0,
        stolen_cpu=stolen,
    )  # fmt: skip


def results() -> RunResults:
    run = RunResults(
        started=datetime(2026, 11, 23, 20, 0, tzinfo=UTC),
        machine=MACHINE,
        settings={"argv": "--quick", "duration": 3, "repeat": 1, "concurrency": "8",
                  "workers": 1, "dossiers": 300},
    )  # fmt: skip
    run.baselines.add("asgi-get", 8, sample(20_000, 2))
    sqlite = DatabaseResults("SQLite")
    sqlite.add("search", 8, sample(2_500, 30))
    sqlite.add("raw-query", 8, sample(5_000, 3))
    sqlite.add("retrieve", 8, sample(1_000, 30, other=0.9))
    sqlite.add("provide", 8, sample(400, 30, stolen=0.7))  # the hypervisor took it
    sqlite.not_served["portal"] = "HTTP 404, not yet served"
    postgres = DatabaseResults("PostgreSQL")
    postgres.importing = ImportResult(100_000, 100_000, 2.0, 8_000, 20, 1.0)
    postgres.raw_insert_rate = 100_000.0
    run.databases += [sqlite, postgres]
    return run


def test_rows_carry_their_target_verdict_and_ratios() -> None:
    text = render(results())
    search = next(line for line in text.splitlines() if line.startswith("| (a) search"))
    assert "| 2,500.0 |" in search
    assert "| 0.125 | 0.5 |" in search  # × ASGI (2,500 / 20,000), × raw query (2,500 / 5,000)
    assert search.endswith("| ✓ | ✗ |")  # ≥ 2,000/s on SQLite, p99 ≤ 50; not ≥ 0.5 × ASGI
    retrieve = next(line for line in text.splitlines() if line.startswith("| (c) retrieve"))
    assert "| ✗ |" in retrieve


def test_import_noise_and_missing_routes_are_reported() -> None:
    text = render(results())
    assert "| ≥ 50,000 lines/s |" in text and "| 50,000 | 0.5 |" in text
    assert "(f) portal home, 1,000 docs: HTTP 404, not yet served" in text
    assert "The machine was not quiet" in text and "SQLite retrieve c=8" in text
    assert "SQLite provide c=8 run 1" in text and "hypervisor steal 0.70" in text
    assert "SQLite search c=8" not in text
    assert "- CPU: Test CPU, 2 cores" in text


def test_results_files_are_numbered_not_overwritten(tmp_path: Path) -> None:
    first = write(results(), tmp_path, quick=True)
    second = write(results(), tmp_path, quick=True)
    assert first.name == "2026-11-23-quick.md"
    assert second.name == "2026-11-23-quick-2.md"
    assert second.with_suffix(".json").exists()


def test_runs_adding_up_to_a_soak_are_reported_flat_or_growing() -> None:
    run = results()
    soaked = DatabaseResults("PostgreSQL")
    for concurrency, ends in ((32, (141.0, 143.0, 146.0)), (64, (150.0, 170.0, 190.0))):
        start = 140.0
        for end in ends:
            soaked.add(
                "mixed",
                concurrency,
                replace(sample(300, 40), seconds=200.0, rss_start_mib=start, rss_end_mib=end),
            )
            start = end
    run.databases = [soaked]
    lines = [line for line in render(run).splitlines() if line.startswith("Soak,")]
    assert len(lines) == 2  # the 25-second runs of the other results are not soaks
    assert "c=32, 3 run(s) of 600 s in all: worker RSS 140 → 146 MiB" in lines[0]
    assert "flat ✓" in lines[0]
    assert "+50.0 MiB: growing ✗" in lines[1]
