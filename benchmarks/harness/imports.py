"""(d) The reimbursement import, in-process through the feeds' bulk path, and its
baseline: the same number of rows inserted by the bare driver.

The import starts from the insurer's CSV text (made beforehand, not timed) and is timed
from parsing to the last committed chunk (``feeds.ingest.import_care_lines`` without
rendering): that is the lines/s of the target. Rendering the history documents of the
dossiers that received lines is timed apart, over a bounded number of dossiers, since
it is one PDF per dossier whatever the number of lines.
"""

from __future__ import annotations

import csv
import io
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.harness.databases import SQLITE, BenchDatabase
from benchmarks.harness.population import care_lines
from dmp.db.engine import create_session_factory
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.ingest import CHUNK, import_care_lines, render_documents
from dmp.feeds.sections import all_columns, read_csv
from dmp.runtime import Runtime


@dataclass(frozen=True)
class ImportResult:
    lines: int
    stored: int
    seconds: float
    dossiers: int
    rendered: int
    render_seconds: float

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def documents_per_second(self) -> float:
        return self.rendered / self.render_seconds if self.render_seconds else 0.0


def insurer_csv(nirs: list[str], lines: int, seed: int) -> str:
    """``lines`` new care lines spread over ``nirs`` (about a dozen each), as the insurer
    sends them: one CSV, semicolon-separated like a French spreadsheet."""
    rng = random.Random(seed)
    per_nir = max(1, lines // max(1, len(nirs)))
    today = datetime.now(UTC).date()
    columns = all_columns()
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=columns, delimiter=";", extrasaction="ignore")
    writer.writeheader()
    written = 0
    while written < lines:
        nir = nirs[written // per_nir % len(nirs)]
        for line in care_lines(nir, min(per_nir, lines - written), rng, today):
            writer.writerow(
                {
                    "nir": line.nir,
                    "section": line.section,
                    "line_id": line.line_id,
                    **line.as_dict(),
                }
            )
            written += 1
    return stream.getvalue()


async def import_lines(
    engine: AsyncEngine, rt: Runtime, *, text: str, render_limit: int
) -> ImportResult:
    factory = create_session_factory(engine)
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    report, _ = await import_care_lines(
        factory, rt=rt, actor=ASSURANCE_MALADIE, rows=read_csv(text, today=today), render=False
    )
    seconds = time.perf_counter() - started
    if report.refused:
        raise RuntimeError(f"{report.refused} lines refused: {report.reasons[:3]}")
    dossiers = sorted(report.dossiers)
    started = time.perf_counter()
    rendered = await render_documents(
        factory, rt=rt, actor=ASSURANCE_MALADIE, dossier_ids=dossiers[:render_limit]
    )
    render_seconds = time.perf_counter() - started
    return ImportResult(
        lines=report.received,
        stored=report.stored,
        seconds=seconds,
        dossiers=len(dossiers),
        rendered=rendered,
        render_seconds=render_seconds,
    )


_INSERT = (
    "INSERT INTO reimbursement_line"
    " (dossier_id, line_hash, section, care_date, fields_ct, imported_at) "
)


async def raw_insert(database: BenchDatabase, *, lines: int, dossiers: int = 5000) -> float:
    """Lines/s of a bare-driver executemany of ``lines`` rows shaped like the feed's (a
    random 64-hex identity, ~180 bytes of "ciphertext"), ``CHUNK`` rows per transaction
    like the import, onto existing dossiers."""
    now = datetime.now(UTC)
    if database.kind == SQLITE:
        return await _sqlite_insert(database, lines, dossiers, now)
    connection = await asyncpg.connect(database.asyncpg_dsn())
    try:
        owners = [r[0] for r in await connection.fetch("SELECT id FROM dossier LIMIT $1", dossiers)]
        rows = _rows(owners, lines, now)
        statement = _INSERT + "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
        started = time.perf_counter()
        for start in range(0, len(rows), CHUNK):
            async with connection.transaction():
                await connection.executemany(statement, rows[start : start + CHUNK])
        return len(rows) / (time.perf_counter() - started)
    finally:
        await connection.close()


def _rows(owners: list[Any], lines: int, now: datetime) -> list[tuple[Any, ...]]:
    today = now.date()
    return [
        (owners[n % len(owners)], os.urandom(32).hex(), "pharmacie", today, os.urandom(180), now)
        for n in range(lines)
    ]


async def _sqlite_insert(
    database: BenchDatabase, lines: int, dossiers: int, now: datetime
) -> float:
    assert database.path is not None
    # The server's durability settings: WAL, synchronous FULL, foreign keys checked.
    async with aiosqlite.connect(database.path, isolation_level=None) as connection:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            await connection.execute(f"PRAGMA {pragma}")
        async with connection.execute("SELECT id FROM dossier LIMIT ?", (dossiers,)) as cursor:
            owners = [row[0] for row in await cursor.fetchall()]
        stamp = now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        rows = [
            (dossier, line_hash, section, day.isoformat(), data, stamp)
            for dossier, line_hash, section, day, data, _ in _rows(owners, lines, now)
        ]
        statement = _INSERT + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        started = time.perf_counter()
        for start in range(0, len(rows), CHUNK):
            await connection.execute("BEGIN IMMEDIATE")
            await connection.executemany(statement, rows[start : start + CHUNK])
            await connection.execute("COMMIT")
        return len(rows) / (time.perf_counter() - started)
