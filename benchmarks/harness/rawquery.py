"""Baseline: the search's own query, straight on the database through the bare driver
(asyncpg, or aiosqlite), with no HTTP, no assertion, no ORM, no access decision and no
trace. Same WHERE and ORDER BY as ``documents.search_statement.search`` for an authorized
general practitioner with the first-visit window; the access filter's values (readable
types, excluded codes and statuses) come from the policy itself, so they cannot drift.

The search's throughput divided by this one's is the share of the database's ceiling
the service keeps while doing everything else a search must do.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiosqlite
import asyncpg

from benchmarks.harness.databases import SQLITE, BenchDatabase
from benchmarks.harness.stats import Sample, percentile
from dmp.documents.repository import FLAG_COLUMNS
from dmp.policy import Actor as PolicyActor
from dmp.policy import (
    AuthorizationState,
    Context,
    DocumentFilter,
    DossierFacts,
    DossierStatus,
    document_filter,
)
from dmp.runtime import Runtime

POOL_MAX = 16
CURRENT = ("approved", "archived")  # the search's default statuses
PAGE = 50  # the FHIR search's default _count, plus one row to know if more follow


def professional_filter(rt: Runtime, actor: PolicyActor) -> DocumentFilter:
    facts = DossierFacts(
        status=DossierStatus.ACTIVE, actor_authorization=AuthorizationState.AUTHORIZED
    )
    listing = document_filter(actor, facts, Context(now=rt.clock.now(), matrix=rt.matrix))
    if not isinstance(listing, DocumentFilter):
        raise RuntimeError(f"the policy refuses the benchmark search: {listing.reason}")
    return listing


def _quoted(values: list[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def search_sql(listing: DocumentFilter, kind: str) -> str:
    """The search statement; parameters: dossier id, actor id, creation lower bound."""
    marks = ("?", "?", "?") if kind == SQLITE else ("$1", "$2", "$3")
    general = []
    if listing.readable_type_codes is not None:
        general.append(f"type_code IN ({_quoted(sorted(listing.readable_type_codes))})")
    for code in sorted(listing.exclude_visibility):
        general.append(f"NOT {FLAG_COLUMNS[code].key}")
    allowed = " AND ".join(general) or "1 = 1"
    excluded = _quoted(sorted(status.value for status in listing.exclude_statuses))
    # Values are reference codes from the policy, quoted; the per-request ones are bound.
    return (
        "SELECT * FROM document WHERE dossier_id = {0}"  # noqa: S608 - see above
        f" AND status NOT IN ({excluded})"
        " AND (author_id = {1} OR (" + allowed + "))"
        f" AND status IN ({_quoted(list(CURRENT))}) AND creation_time >= {{2}}"
        f" ORDER BY creation_time DESC, id DESC LIMIT {PAGE + 1}"
    ).format(*marks)


Query = Callable[[uuid.UUID], Awaitable[int]]


async def _closed_loop(
    query: Query, dossiers: list[uuid.UUID], concurrency: int, seconds: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    errors = 0

    async def worker(offset: int) -> None:
        nonlocal errors
        step = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                await query(dossiers[step % len(dossiers)])
            except Exception:  # a baseline counts failures, whatever they are
                errors += 1
            latencies.append(time.perf_counter() - started)
            step += 1

    await asyncio.gather(*(worker(n * 7) for n in range(concurrency)))
    return latencies, errors


async def raw_search(
    database: BenchDatabase,
    *,
    listing: DocumentFilter,
    actor_id: str,
    since: datetime,
    dossiers: list[uuid.UUID],
    concurrency: int,
    seconds: float,
    warmup: float,
) -> tuple[Sample, int]:
    """Runs the query in a closed loop; returns the sample and the rows of the first
    patient (checked against the API's answer)."""
    sql = search_sql(listing, database.kind)
    size = min(concurrency, POOL_MAX)
    if database.kind == SQLITE:
        return await _sqlite(
            database, sql, actor_id, since, dossiers, concurrency, size, seconds, warmup
        )
    pool = await asyncpg.create_pool(database.asyncpg_dsn(), min_size=size, max_size=size)
    try:
        statement_args: tuple[Any, ...] = (actor_id, since)

        async def query(dossier: uuid.UUID) -> int:
            async with pool.acquire() as connection:
                return len(await connection.fetch(sql, dossier, *statement_args))

        return await _measure(query, dossiers, concurrency, seconds, warmup)
    finally:
        await pool.close()


async def _sqlite(
    database: BenchDatabase,
    sql: str,
    actor_id: str,
    since: datetime,
    dossiers: list[uuid.UUID],
    concurrency: int,
    size: int,
    seconds: float,
    warmup: float,
) -> tuple[Sample, int]:
    assert database.path is not None
    # As SQLAlchemy stores them on SQLite: UUIDs as 32 hex digits, UTC times as text.
    bound_since = since.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    connections = [await aiosqlite.connect(database.path) for _ in range(size)]
    idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
    for connection in connections:
        await connection.execute("PRAGMA journal_mode=WAL")
        idle.put_nowait(connection)

    async def query(dossier: uuid.UUID) -> int:
        connection = await idle.get()
        try:
            async with connection.execute(sql, (dossier.hex, actor_id, bound_since)) as cursor:
                return len(list(await cursor.fetchall()))
        finally:
            idle.put_nowait(connection)

    try:
        return await _measure(query, dossiers, concurrency, seconds, warmup)
    finally:
        for connection in connections:
            await connection.close()


async def _measure(
    query: Query, dossiers: list[uuid.UUID], concurrency: int, seconds: float, warmup: float
) -> tuple[Sample, int]:
    first_rows = await query(dossiers[0])
    await _closed_loop(query, dossiers, concurrency, warmup)
    started = time.perf_counter()
    latencies, errors = await _closed_loop(query, dossiers, concurrency, seconds)
    elapsed = time.perf_counter() - started
    milliseconds = [value * 1000 for value in latencies]
    sample = Sample(
        throughput=len(latencies) / elapsed,
        p50_ms=percentile(milliseconds, 50),
        p95_ms=percentile(milliseconds, 95),
        p99_ms=percentile(milliseconds, 99),
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
    )
    return sample, first_rows
