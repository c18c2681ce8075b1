"""Appending one trace to each of many dossiers' chains at once (the feeds' bulk
imports): the same rows and hashes as ``record_trace``, but the chain heads are locked,
the traces written and the heads moved in a few statements for the whole set, instead of
three round trips per dossier."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.audit.chain import GENESIS
from dmp.audit.models import Trace, TraceHead
from dmp.audit.service import trace_row
from dmp.db.engine import is_postgresql
from dmp.errors import TraceUnavailable
from dmp.policy import Actor, Decision

_LOCK_CHUNK = 1000  # dossier ids per locking query (bound parameters stay few)


async def record_traces(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    decisions: dict[uuid.UUID, Decision],
    at: datetime,
    target: str | None,
    matrix_version: str | None,
) -> None:
    """One trace per dossier of ``decisions``. Raises ``TraceUnavailable`` if they cannot
    be written: the caller's operation must then fail."""
    try:
        await _append(
            session, actor=actor, action=action, decisions=decisions, at=at,
            target=target, matrix_version=matrix_version,
        )  # fmt: skip
    except SQLAlchemyError as exc:
        raise TraceUnavailable() from exc


async def _append(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    decisions: dict[uuid.UUID, Decision],
    at: datetime,
    target: str | None,
    matrix_version: str | None,
) -> None:
    if not decisions:
        return
    await session.flush()  # pending ORM changes first, as the single append does
    # Locked in a fixed order, like any other appender would wait on them: no deadlock
    # between two imports over the same dossiers.
    ordered = sorted(decisions)
    heads: dict[uuid.UUID, tuple[int, str]] = {}
    for start in range(0, len(ordered), _LOCK_CHUNK):
        chunk = ordered[start : start + _LOCK_CHUNK]
        rows = await session.execute(
            select(TraceHead.dossier_id, TraceHead.seq, TraceHead.hash)
            .where(TraceHead.dossier_id.in_(chunk))
            .order_by(TraceHead.dossier_id)
            .with_for_update()
        )
        heads.update({row.dossier_id: (row.seq, row.hash) for row in rows})
    traces: list[dict[str, Any]] = []
    for dossier_id in ordered:
        prev_seq, prev_hash = heads.get(dossier_id, (0, GENESIS))
        row = trace_row(
            dossier_id=dossier_id, prev_seq=prev_seq, prev_hash=prev_hash, actor=actor,
            action=action, decision=decisions[dossier_id], at=at, target=target,
            matrix_version=matrix_version, detail_ct=None,
        )  # fmt: skip
        traces.append(row)
    fresh = [t for t in traces if t["dossier_id"] not in heads]
    moved = [t for t in traces if t["dossier_id"] in heads]
    if is_postgresql(session):
        await _copy(session, traces, fresh, moved)
        return
    trace_table, heads_table = cast(Table, Trace.__table__), cast(Table, TraceHead.__table__)
    await session.execute(insert(trace_table), traces)
    if fresh:
        await session.execute(
            insert(heads_table),
            [{"dossier_id": t["dossier_id"], "seq": t["seq"], "hash": t["hash"]} for t in fresh],
        )
    if moved:
        await session.execute(
            update(heads_table)
            .where(heads_table.c.dossier_id == bindparam("head"))
            .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")),
            [{"head": t["dossier_id"], "new_seq": t["seq"], "new_hash": t["hash"]} for t in moved],
        )


async def _copy(
    session: AsyncSession,
    traces: list[dict[str, Any]],
    fresh: list[dict[str, Any]],
    moved: list[dict[str, Any]],
) -> None:
    """PostgreSQL: the traces and new heads by ``COPY`` (binary, no per-row parameters),
    the moved heads by one prepared ``UPDATE`` sent for all, in the session's transaction."""
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    columns = [column.name for column in cast(Table, Trace.__table__).columns]
    await driver.copy_records_to_table(
        "trace", records=[tuple(t[c] for c in columns) for t in traces], columns=columns
    )
    if fresh:
        await driver.copy_records_to_table(
            "trace_head",
            records=[(t["dossier_id"], t["seq"], t["hash"]) for t in fresh],
            columns=["dossier_id", "seq", "hash"],
        )
    if moved:
        await driver.executemany(
            "UPDATE trace_head SET seq = $2, hash = $3 WHERE dossier_id = $1",
            [(t["dossier_id"], t["seq"], t["hash"]) for t in moved],
        )
