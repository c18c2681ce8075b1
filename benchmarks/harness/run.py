"""One benchmark run end to end: the shared ASGI baseline, then for each database its
own database, population, comparison set, server, workloads, raw-query baseline and
import; the report last. Whatever happens (failure, Ctrl-C, SIGTERM), servers are
stopped, databases dropped and the work directory removed."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import math
import multiprocessing
import os
import secrets
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import AnyHttpUrl
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.harness import imports, rawquery
from benchmarks.harness.comparison import (
    PROVIDE_BYTES,
    ComparisonSet,
    bench_actor,
    build_comparison_set,
    make_pdf,
    open_portal_session,
)
from benchmarks.harness.credentials import (
    BENCH_PROFESSIONALS,
    Credentials,
    ignore_interrupts,
    sign_batch,
)
from benchmarks.harness.databases import POSTGRESQL, SQLITE, BenchDatabase, postgresql_version
from benchmarks.harness.load import LoadGenerator, Plan
from benchmarks.harness.machine import describe, postgresql_pids
from benchmarks.harness.options import Options
from benchmarks.harness.population import populate
from benchmarks.harness.report import NOISE_CORES, DatabaseResults, RunResults, render, write
from benchmarks.harness.server import BASELINE_APP, DMP_APP, Server, free_port, stop_all
from benchmarks.harness.stats import Sample
from benchmarks.harness.workloads import (
    BASELINE_GET,
    BASELINE_POST,
    HTTP,
    IMPORT,
    LABELS,
    PORTAL,
    RAW_QUERY,
    SEARCH,
    Workloads,
    baseline_plan,
    first_visit_since,
    probe,
)
from dmp.auth.dependencies import session_cookie_name
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.runtime import Runtime, build_runtime

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_CEILING = 8000.0  # requests/s assumed for a warm-up when no baseline says better


async def main(options: Options) -> Path:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    pool = ProcessPoolExecutor(
        max_workers=min(2, os.cpu_count() or 1),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=ignore_interrupts,
    )
    try:
        run = await _run(options, pool)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        if options.own_work_dir:
            shutil.rmtree(options.work_dir, ignore_errors=True)
    path = write(run, options.results_dir, quick=options.quick)
    print(render(run))
    print(f"\nWritten to {path} (and {path.with_suffix('.json').name})")
    return path


async def _run(options: Options, pool: ProcessPoolExecutor) -> RunResults:
    options.work_dir.mkdir(parents=True, exist_ok=True)
    pg_version = await postgresql_version(options.pg)
    run = RunResults(
        started=datetime.now(UTC),
        machine=describe(options.work_dir, pg_version),
        settings={
            "argv": options.argv,
            "duration": options.duration,
            "repeat": options.repeat,
            "concurrency": ",".join(map(str, options.concurrency)),
            "workers": options.workers,
            "dossiers": options.dossiers,
        },
    )
    credentials = Credentials.create(options.work_dir / "pki")
    loadgen = LoadGenerator(
        work_dir=options.work_dir / "runs",
        credentials=credentials,
        pool=pool,
        duration=options.duration,
        warmup=options.warmup,
        busy_window=options.busy_window,
        max_threads=min(2, os.cpu_count() or 1),
    )
    today = datetime.now(PARIS).date()
    pdf = make_pdf(PROVIDE_BYTES)
    if any(w in HTTP for w in options.workloads):
        await _asgi_baselines(options, run, loadgen, credentials, pdf, first_visit_since(today))
    for kind in options.databases:
        if kind == POSTGRESQL and pg_version.startswith("unreachable"):
            run.warnings.append(f"PostgreSQL skipped: {options.pg} is {pg_version}")
            continue
        print(f"{_elapsed()} {kind}: population, comparison set, server")
        results = DatabaseResults("SQLite" if kind == SQLITE else "PostgreSQL")
        run.databases.append(results)
        try:
            await _database(options, kind, run, results, loadgen, credentials, pdf)
        except Exception as error:  # one database failing must not lose the other's results
            run.warnings.append(f"{results.label}: the run stopped early: {error!r}"[:2000])
            print(f"  {results.label}: failed: {error!r}")
    return run


async def _cell(
    loadgen: LoadGenerator,
    plan: Plan,
    server: Server,
    results: DatabaseResults,
    concurrency: int,
    repeat: int,
    ceiling: float,
) -> None:
    rate = await loadgen.warm(plan, server, concurrency, ceiling)
    for _ in range(repeat):
        sample = await loadgen.run(plan, server, concurrency, rate)
        results.add(plan.name, concurrency, sample)
        rate = max(rate, sample.throughput)
        _say(results, plan.name, f"c={concurrency:<3} {sample.throughput:9.1f}/s", sample)


async def _asgi_baselines(
    options: Options,
    run: RunResults,
    loadgen: LoadGenerator,
    credentials: Credentials,
    pdf: bytes,
    since: date,
) -> None:
    """The minimal ASGI app on the same stack, once for all databases: it uses none."""
    token = sign_batch(credentials.keys, "http://127.0.0.1", "baseline", 1)[0].decode()
    server = Server(
        BASELINE_APP,
        env=os.environ,
        log_path=options.work_dir / "baseline.log",
        workers=options.workers,
    )
    await server.start()
    duration, loadgen.duration = loadgen.duration, options.baseline_duration
    try:
        for workload in (BASELINE_GET, BASELINE_POST):
            plan = baseline_plan(workload, token, pdf, since)
            levels = set(options.concurrency)
            if workload == BASELINE_GET and PORTAL in options.workloads:
                levels |= set(options.portal_levels)
            for concurrency in sorted(levels):
                await _cell(loadgen, plan, server, run.baselines, concurrency, options.repeat, 0.0)
    finally:
        loadgen.duration = duration
        await server.stop()


def _ceiling(run: RunResults, concurrency: int) -> float:
    cell = run.baselines.series.get(BASELINE_GET, {}).get(concurrency)
    sample = cell.median() if cell else None
    return sample.throughput if sample and not math.isnan(sample.throughput) else DEFAULT_CEILING


def _settings(
    options: Options, folder: Path, database: BenchDatabase, port: int, credentials: Credentials
) -> Settings:
    return Settings(
        var_dir=folder / "var",
        database_url=database.url,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        base_url=AnyHttpUrl(f"http://127.0.0.1:{port}"),
        environment="production",
        pki_ca_bundle=credentials.ca_bundle,
        pki_crl_file=credentials.crl_file,
    )


def _database_pids(database: BenchDatabase) -> Callable[[], list[int]]:
    if database.kind != POSTGRESQL:
        return list  # SQLite runs inside the server's own process
    return functools.partial(postgresql_pids, database.name)


def _server_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DMP_VAR_DIR": str(settings.var_dir),
        "DMP_DATABASE_URL": settings.database_url,
        "DMP_MASTER_KEY": settings.master_key,
        "DMP_BASE_URL": settings.public_base_url,
        "DMP_ENVIRONMENT": settings.environment,
        "DMP_PKI_CA_BUNDLE": str(settings.pki_ca_bundle),
        "DMP_PKI_CRL_FILE": str(settings.pki_crl_file),
    }


async def _database(
    options: Options,
    kind: str,
    run: RunResults,
    results: DatabaseResults,
    loadgen: LoadGenerator,
    credentials: Credentials,
    pdf: bytes,
) -> None:
    folder = options.work_dir / kind
    database = await BenchDatabase.create(kind, folder, options.pg)
    try:
        await database.migrate()
        port = free_port()
        settings = _settings(options, folder, database, port, credentials)
        rt = build_runtime(settings)
        engine = create_engine(database.url)
        try:
            population, _directory = await populate(
                engine, rt, dossiers=options.dossiers, professionals=options.professionals,
                seed=options.seed,
            )  # fmt: skip
            comparison = await build_comparison_set(
                engine, rt, first_index=options.dossiers, patients=options.patients,
                documents_each=options.documents_each, creates=options.creates,
                seed=options.seed,
            )  # fmt: skip
            results.population = {
                **population.distribution(),
                "dossiers": population.dossiers,
                "documents": population.documents,
                "masked": population.masked,
                "authorizations": population.authorizations,
                "reimbursement_lines": population.reimbursement_lines,
                "professionals": population.professionals,
                "seconds": population.seconds,
                "comparison": (
                    f"{len(comparison.search_patients)} patients × {options.documents_each} "
                    f"documents of 2 KB through the service layer in "
                    f"{comparison.documents_seconds:.1f} s, {len(comparison.create_patients)} "
                    "patients for creates, 1 portal dossier of 1,000 documents"
                ),
            }
            if any(w in HTTP for w in options.workloads):
                server = Server(
                    DMP_APP, env=_server_env(settings), log_path=folder / "server.log",
                    workers=options.workers, port=port, database_pids=_database_pids(database),
                )  # fmt: skip
                await server.start()
                try:
                    credentials.check_signer(server.base_url)
                    await _http_workloads(
                        options, run, results, loadgen, credentials, server, comparison,
                        engine, rt, pdf,
                    )  # fmt: skip
                finally:
                    await server.stop()
                if SEARCH in options.workloads:
                    await _raw_query(options, results, database, rt, comparison)
            if IMPORT in options.workloads and population.import_nirs:
                await _import(options, results, database, engine, rt, population.import_nirs)
        finally:
            await engine.dispose()
    finally:
        with contextlib.suppress(Exception):  # never mask the run's own error
            await database.drop()


async def _http_workloads(
    options: Options,
    run: RunResults,
    results: DatabaseResults,
    loadgen: LoadGenerator,
    credentials: Credentials,
    server: Server,
    comparison: ComparisonSet,
    engine: AsyncEngine,
    rt: Runtime,
    pdf: bytes,
) -> None:
    since = first_visit_since(datetime.now(PARIS).date())
    workloads = Workloads(comparison, since, pdf)
    factory = create_session_factory(engine)
    for workload in (w for w in HTTP if w in options.workloads):
        levels = options.portal_levels if workload == PORTAL else options.concurrency
        for concurrency in levels:
            if workload == PORTAL:
                # A fresh session per cell: an idle one expires after 15 minutes.
                token = await open_portal_session(factory, rt, comparison.portal)
                plan = workloads.portal(session_cookie_name(rt.settings), token)
            else:
                plan = workloads.plan(workload)
            if workload in results.not_served:
                break
            if workload not in results.probes:
                checked = await probe(plan, server, credentials)
                results.probes[workload] = f"{checked.status} {checked.detail}".strip()
                if not checked.served:
                    results.not_served[workload] = f"HTTP {checked.status}, {checked.detail}"
                    print(f"  {LABELS[workload]}: {results.not_served[workload]}")
                    break
            try:
                await _cell(
                    loadgen, plan, server, results, concurrency, options.repeat,
                    _ceiling(run, concurrency),
                )  # fmt: skip
            except (RuntimeError, OSError) as error:  # wrk failed, the server died…
                results.not_served[workload] = f"failed at c={concurrency}: {error}"[:500]
                print(f"  {LABELS[workload]}: {results.not_served[workload]}")
                print(server.log_tail(10))
                break


async def _raw_query(
    options: Options,
    results: DatabaseResults,
    database: BenchDatabase,
    rt: Runtime,
    comparison: ComparisonSet,
) -> None:
    actor = bench_actor(BENCH_PROFESSIONALS[0])
    listing = rawquery.professional_filter(rt, actor)
    since_day = first_visit_since(datetime.now(PARIS).date())
    since = datetime(since_day.year, since_day.month, since_day.day, tzinfo=PARIS).astimezone(UTC)
    for concurrency in options.concurrency:
        for _ in range(options.repeat):
            sample, rows = await rawquery.raw_search(
                database, listing=listing, actor_id=actor.id, since=since,
                dossiers=comparison.search_patients, concurrency=concurrency,
                seconds=options.duration, warmup=min(options.warmup, 1),
            )  # fmt: skip
            results.add(RAW_QUERY, concurrency, sample)
            _say(results, RAW_QUERY, f"c={concurrency:<3} {sample.throughput:9.1f}/s", sample)
    expected = results.probes.get(SEARCH, "")
    if expected and f"{rows} entries" not in expected:
        results.notes.append(
            f"raw query found {rows} rows for the first patient, the API {expected}"
        )


async def _import(
    options: Options,
    results: DatabaseResults,
    database: BenchDatabase,
    engine: AsyncEngine,
    rt: Runtime,
    nirs: list[str],
) -> None:
    text = imports.insurer_csv(nirs, options.import_lines, options.seed)
    results.importing = await imports.import_lines(
        engine, rt, text=text, render_limit=options.render_limit
    )
    results.raw_insert_rate = await imports.raw_insert(database, lines=options.import_lines)
    rate, raw = results.importing.lines_per_second, results.raw_insert_rate
    _say(results, IMPORT, f"{rate:,.0f} lines/s (raw insert {raw:,.0f}/s)")


def _say(results: DatabaseResults, workload: str, text: str, sample: Sample | None = None) -> None:
    """One line of progress per measured run."""
    tail = f"  p99 {sample.p99_ms:8.2f} ms  errors {sample.errors}" if sample else ""
    noise = max(sample.busy_before, sample.other_cpu) if sample else math.nan
    if noise > NOISE_CORES:  # NaN compares false: no warning without a measure
        tail += f"  (machine busy: {noise:.2f} cores used by other processes)"
    print(f"{_elapsed()} {results.label:10} {LABELS[workload]:38} {text}{tail}")


_STARTED = time.monotonic()


def _elapsed() -> str:
    return f"[{time.monotonic() - _STARTED:6.1f} s]"
