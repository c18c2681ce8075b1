"""The results of a run and their markdown report: the machine, the population, then for
each database one table with every figure beside its target and its ratio to the
baseline measured in the same run, the baselines themselves, and the noise seen."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.harness.imports import ImportResult
from benchmarks.harness.machine import Machine
from benchmarks.harness.stats import Sample, Series, ratio
from benchmarks.harness.targets import (
    RSS_LIMIT_MIB,
    TARGETS,
    import_verdict,
    stretch_verdict,
    verdict,
)
from benchmarks.harness.workloads import (
    BASELINE_GET,
    BASELINE_POST,
    HTTP,
    IMPORT,
    LABELS,
    PROVIDE,
    RAW_QUERY,
    SEARCH,
)

NOISE_CORES = 0.15  # another process using more than this during a run is worth saying
# A run this long is a soak (issue 10: "flat over a 10-minute soak"); flat means the
# worker grew by no more than this from the first reading to the last.
SOAK_SECONDS = 300
SOAK_GROWTH_MIB = 10.0


@dataclass
class DatabaseResults:
    label: str
    series: dict[str, dict[int, Series]] = field(default_factory=dict)
    not_served: dict[str, str] = field(default_factory=dict)
    probes: dict[str, str] = field(default_factory=dict)
    importing: ImportResult | None = None
    raw_insert_rate: float = math.nan
    population: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, workload: str, concurrency: int, sample: Sample) -> None:
        by_level = self.series.setdefault(workload, {})
        cell = by_level.setdefault(concurrency, Series(workload, self.label, concurrency))
        cell.samples.append(sample)


@dataclass
class RunResults:
    started: datetime
    machine: Machine
    settings: dict[str, Any]
    baselines: DatabaseResults = field(default_factory=lambda: DatabaseResults("ASGI"))
    databases: list[DatabaseResults] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _ratio(value: float) -> str:
    # Three significant digits: today's ratios are far below 1 and must stay readable.
    return "n/a" if math.isnan(value) else f"{value:.3g}"


def _median(results: DatabaseResults, workload: str, concurrency: int) -> Sample | None:
    cell = results.series.get(workload, {}).get(concurrency)
    return cell.median() if cell else None


def _asgi(run: RunResults, workload: str, concurrency: int) -> float:
    baseline = BASELINE_POST if workload == PROVIDE else BASELINE_GET
    sample = _median(run.baselines, baseline, concurrency)
    return sample.throughput if sample else math.nan


HEADER = (
    "| workload | conc. | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU | DB CPU "
    "| peak RSS/worker MiB | other CPU | × ASGI | × raw query | target | met | stretch |"
)
RULE = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|:-:|:-:|"


def _row(run: RunResults, results: DatabaseResults, workload: str, concurrency: int) -> str:
    sample = _median(results, workload, concurrency)
    if sample is None:
        return ""
    asgi = ratio(sample.throughput, _asgi(run, workload, concurrency))
    raw = math.nan
    if workload == SEARCH:
        raw_sample = _median(results, RAW_QUERY, concurrency)
        raw = ratio(sample.throughput, raw_sample.throughput if raw_sample else math.nan)
    noise = _taken_during(sample)
    target = TARGETS.get(workload)
    return (
        f"| {LABELS[workload]} | {concurrency} | {_fmt(sample.throughput)} "
        f"| {_fmt(sample.p50_ms, 2)} | {_fmt(sample.p95_ms, 2)} | {_fmt(sample.p99_ms, 2)} "
        f"| {sample.errors} | {_fmt(sample.server_cpu, 2)} | {_fmt(sample.database_cpu, 2)} "
        f"| {_fmt(sample.peak_rss_mib, 0)} | {_fmt(noise, 2)} | {_ratio(asgi)} | {_ratio(raw)} "
        f"| {f'{target.text_for(results.label)}; stretch {target.stretch}' if target else '—'} "
        f"| {verdict(workload, results.label, concurrency, sample)} "
        f"| {stretch_verdict(workload, results.label, concurrency, sample, asgi)} |"
    )


def _database_section(run: RunResults, results: DatabaseResults) -> list[str]:
    lines = [f"## {results.label}", ""]
    population = results.population
    if population:
        lines.append(
            f"Population: {population['dossiers']:,} dossiers, {population['documents']:,} "
            f"documents (mean {population['mean']:.1f} per dossier, median "
            f"{population['median']:.0f}, p99 {population['p99']:.0f}, max "
            f"{population['max']:.0f}; {population['masked']:,} masked), "
            f"{population['authorizations']:,} authorizations, "
            f"{population['reimbursement_lines']:,} reimbursement lines, "
            f"{population['professionals']:,} professionals; generated in "
            f"{population['seconds']:.1f} s. Comparison set: {population['comparison']}."
        )
        lines.append("")
    lines += [HEADER, RULE]
    for workload in HTTP:
        for concurrency in sorted(results.series.get(workload, {})):
            lines.append(_row(run, results, workload, concurrency))
    lines.append("")
    lines += _import_lines(results)
    if results.not_served:
        lines.append("Not measured:")
        lines += [f"- {LABELS[w]}: {why}" for w, why in sorted(results.not_served.items())]
        lines.append("")
    if results.probes:
        lines.append("Probes (one real request before loading): " + "; ".join(
            f"{w} → {p}" for w, p in sorted(results.probes.items())
        ) + ".")  # fmt: skip
        lines.append("")
    lines += [f"- {note}" for note in results.notes]
    return lines


def _import_lines(results: DatabaseResults) -> list[str]:
    importing = results.importing
    if importing is None:
        return []
    met, stretch = import_verdict(results.label, importing.lines_per_second)
    share = ratio(importing.lines_per_second, results.raw_insert_rate)
    return [
        "| (d) reimbursement import | lines | seconds | lines/s | × raw insert | target | met "
        "| stretch | history documents rendered/s |",
        "|---|---:|---:|---:|---:|---|:-:|:-:|---:|",
        f"| parse + bulk store, {importing.dossiers:,} dossiers | {importing.lines:,} "
        f"| {importing.seconds:.2f} | {_fmt(importing.lines_per_second, 0)} "
        f"| {_ratio(share)} | {TARGETS[IMPORT].text_for(results.label)} | {met} | {stretch} "
        f"| {_fmt(importing.documents_per_second)} ({importing.rendered} rendered) |",
        "",
    ]


def _baseline_section(run: RunResults) -> list[str]:
    lines = [
        "## Baselines (same run)",
        "",
        "| baseline | database | conc. | ops/s | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    sources: list[tuple[str, DatabaseResults, tuple[str, ...]]] = [
        ("—", run.baselines, (BASELINE_GET, BASELINE_POST))
    ]
    sources += [(db.label, db, (RAW_QUERY,)) for db in run.databases]
    for label, results, workloads in sources:
        for workload in workloads:
            for concurrency, cell in sorted(results.series.get(workload, {}).items()):
                sample = cell.median()
                if sample is not None:
                    lines.append(
                        f"| {LABELS[workload]} | {label} | {concurrency} "
                        f"| {_fmt(sample.throughput)} | {_fmt(sample.p50_ms, 2)} "
                        f"| {_fmt(sample.p99_ms, 2)} | {sample.errors} |"
                    )
    for db in run.databases:
        if not math.isnan(db.raw_insert_rate):
            lines.append(
                f"| {LABELS['raw-insert']} | {db.label} | 1 | {_fmt(db.raw_insert_rate, 0)} "
                "| n/a | n/a | 0 |"
            )
    return [*lines, ""]


def _taken_during(sample: Sample) -> float:
    """Cores taken from the run while it ran: by other processes, and by the hypervisor
    for other guests (steal), which slows the run just as much."""
    return sample.other_cpu + (0.0 if math.isnan(sample.stolen_cpu) else sample.stolen_cpu)


def _noise_section(run: RunResults) -> list[str]:
    noisy = []
    for results in [run.baselines, *run.databases]:
        for workload, by_level in results.series.items():
            for concurrency, cell in by_level.items():
                for number, sample in enumerate(cell.samples, start=1):
                    worst = max(
                        (
                            v
                            for v in (sample.busy_before, _taken_during(sample))
                            if not math.isnan(v)
                        ),
                        default=0.0,
                    )
                    if worst > NOISE_CORES:
                        noisy.append(
                            f"{results.label} {workload} c={concurrency} run {number}: other "
                            f"processes {_fmt(sample.busy_before, 2)} cores before, "
                            f"{_fmt(sample.other_cpu, 2)} during; hypervisor steal "
                            f"{_fmt(sample.stolen_cpu, 2)}"
                        )
    peak = max(
        (
            s.peak_rss_mib
            for r in run.databases
            for by_level in r.series.values()
            for cell in by_level.values()
            for s in cell.samples
            if not math.isnan(s.peak_rss_mib)
        ),
        default=math.nan,
    )
    lines = ["## Memory and noise", ""]
    verdict_text = "n/a" if math.isnan(peak) else ("✓" if peak <= RSS_LIMIT_MIB else "✗")
    lines.append(
        f"Largest server worker RSS seen under load: {_fmt(peak, 0)} MiB "
        f"(target ≤ {RSS_LIMIT_MIB:.0f} MiB per worker: {verdict_text})."
    )
    lines.append("")
    lines += _soaks(run)
    if noisy:
        lines.append(
            f"**The machine was not quiet**: {len(noisy)} run(s) shared the CPU with other "
            f"processes or guests (> {NOISE_CORES} cores). Absolute figures of those runs are low "
            "bounds; ratios to the same-run baselines are the figures to compare."
        )
        lines.append("")
        lines += [f"- {line}" for line in noisy[:40]]
        if len(noisy) > 40:
            lines.append(f"- … and {len(noisy) - 40} more (see the JSON file)")
    else:
        lines.append("No other process used the CPU noticeably during the runs.")
    return [*lines, ""]


def _soaks(run: RunResults) -> list[str]:
    """Cells whose runs add up to a soak: does the worker's memory stay flat from the
    first run's first reading to the last run's last? (An assertion lives 5 minutes, so
    a soak is several runs of one cell on the same server: ``--repeat``.)"""
    lines = []
    for results in run.databases:
        for workload, by_level in results.series.items():
            for concurrency, cell in by_level.items():
                runs = [s for s in cell.samples if not math.isnan(s.rss_start_mib)]
                seconds = sum(s.seconds for s in runs)
                if not runs or seconds < SOAK_SECONDS:
                    continue
                start, end = runs[0].rss_start_mib, runs[-1].rss_end_mib
                growth = end - start
                flat = growth <= SOAK_GROWTH_MIB
                lines.append(
                    f"Soak, {results.label} {workload} c={concurrency}, {len(runs)} run(s) "
                    f"of {seconds:.0f} s in all: worker RSS {_fmt(start, 0)} → {_fmt(end, 0)} "
                    f"MiB (peak {_fmt(max(s.peak_rss_mib for s in runs), 0)}), "
                    f"{growth:+.1f} MiB: {'flat ✓' if flat else 'growing ✗'} "
                    f"(≤ {SOAK_GROWTH_MIB:.0f} MiB)."
                )
    return [*lines, ""] if lines else []


def render(run: RunResults) -> str:
    settings = run.settings
    lines = [
        f"# OpenDMP benchmark — {run.started:%Y-%m-%d %H:%M} UTC",
        "",
        "`python -m benchmarks " + settings["argv"] + "`: "
        f"{settings['duration']} s runs, median of {settings['repeat']}, concurrency "
        f"{settings['concurrency']}, server `uvicorn` ({settings['workers']} worker(s), "
        "uvloop, httptools), load by wrk with a fresh CPS assertion per request. "
        "Every read is traced.",
        "",
        "## Machine",
        "",
        *run.machine.lines(),
        "",
    ]
    lines += [f"> ⚠ {warning}" for warning in run.warnings]
    if run.warnings:
        lines.append("")
    for results in run.databases:
        lines += _database_section(run, results)
    lines += _baseline_section(run)
    lines += _noise_section(run)
    lines += [
        "Scale target (search p99 at 1,000,000 dossiers ≤ 1.5 × at 10,000): compare the "
        "search rows of a `--dossiers 1000000` report with a default one (docs/benchmarks.md).",
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def write(run: RunResults, folder: Path, *, quick: bool) -> Path:
    """``<date>.md`` (``<date>-quick.md``), numbered when the day already has one, and the
    same results as JSON beside it for scripts."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = run.started.strftime("%Y-%m-%d") + ("-quick" if quick else "")
    path, number = folder / f"{stem}.md", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.md"
    path.write_text(render(run))
    path.with_suffix(".json").write_text(
        json.dumps(dataclasses.asdict(run), default=str, indent=1, allow_nan=True)
    )
    return path
