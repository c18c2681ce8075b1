"""Writing traces (in the caller's transaction), reading them, verifying the chains."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.audit.chain import GENESIS, trace_hash
from dmp.audit.models import Trace, TraceHead
from dmp.crypto import DataKey
from dmp.db.direct import DirectStatement, column_parameters, flush_pending, insert_rows
from dmp.db.engine import is_postgresql
from dmp.errors import TraceUnavailable
from dmp.policy import Actor, ActorKind, Decision

# An append's statements, built once: they run on every read, and building a statement
# (and its cache key) cost as much CPU as executing it. Core, not ORM objects, and run on
# the driver (``db.direct``): the unit of work's bookkeeping, then SQLAlchemy's execution
# machinery, each cost more CPU than the statements themselves.
_TRACE = cast(Table, Trace.__table__)
_HEAD = cast(Table, TraceHead.__table__)
# Through the session: only needed when the dossier's load did not read the head
# already (see below); tests/audit/test_locked_head.py watches for it.
_HEAD_FOR_UPDATE = (
    select(_HEAD.c.seq, _HEAD.c.hash)
    .where(_HEAD.c.dossier_id == bindparam("dossier_id"))
    .with_for_update()
)
_INSERT_TRACE = insert_rows(_TRACE)
_INSERT_HEAD = DirectStatement(
    insert(_HEAD).values(
        dossier_id=bindparam("dossier_id"), seq=bindparam("seq"), hash=bindparam("hash")
    )
)
# The key's name must differ from a column's.
_UPDATE_HEAD = DirectStatement(
    update(_HEAD)
    .where(_HEAD.c.dossier_id == bindparam("head_dossier_id"))
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)
# PostgreSQL runs both in one statement (one round trip fewer on every read): the trace
# inserted by a data-modifying CTE, the head moved by the UPDATE; all or nothing.
_APPEND_PG = DirectStatement(
    update(_HEAD)
    .where(_HEAD.c.dossier_id == bindparam("head_dossier_id"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
    .add_cte(insert(_TRACE).values(column_parameters(_TRACE, prefix="new_")).cte("new_trace"))
)

# The head read (on PostgreSQL, locked) ahead of time by the query that loads the
# dossier (``access.facts``): it saves the append its own SELECT (… FOR UPDATE), one
# round trip per read. On SQLite the transaction holds the database's write lock from
# its BEGIN IMMEDIATE, so the head read then cannot change before the append.
_LOCKED_HEAD = "dmp_trace_head_locked"
_NO_HEAD = (0, GENESIS)


def locked_head_subquery() -> Any:
    """The head of the dossier bound as ``dossier_id``, locked (FOR UPDATE), to be joined
    into the query that loads the dossier; ``remember_locked_head`` then hands what it
    read to the next append. Locked in the same statement, it stays locked until the
    transaction ends, exactly as if the append had locked it."""
    return (
        select(_HEAD.c.seq, _HEAD.c.hash)
        .where(_HEAD.c.dossier_id == bindparam("dossier_id"))
        .with_for_update()
        .subquery("locked_head")
    )


def _innermost(session: AsyncSession) -> Any:
    sync = session.sync_session
    return sync.get_nested_transaction() or sync.get_transaction()


def remember_locked_head(
    session: AsyncSession, dossier_id: uuid.UUID, seq: int | None, hash_: str | None
) -> None:
    """Keeps the head read by ``locked_head_subquery`` for the next append (``seq`` None:
    the dossier has no trace yet)."""
    head = (seq, hash_) if seq is not None and hash_ is not None else None
    session.info[_LOCKED_HEAD] = (_innermost(session), dossier_id, head)


def _take_locked_head(
    session: AsyncSession, dossier_id: uuid.UUID
) -> tuple[bool, tuple[int, str] | None]:
    """(known, head). Used once, and only by the first append of the same dossier in the
    same (sub)transaction: after another append, or a savepoint rolled back in between,
    the head is read and locked again as usual."""
    kept = session.info.pop(_LOCKED_HEAD, None)
    if kept is None:
        return False, None
    transaction, kept_dossier, head = kept
    current = _innermost(session)
    if kept_dossier != dossier_id or transaction is not current or not current.is_active:
        return False, None
    return True, head


# Patients are not named in their own traces: the trace identifies the account.
_ANONYMOUS_KINDS = {
    ActorKind.PATIENT: "Titulaire",
    ActorKind.LEGAL_REPRESENTATIVE: "Représentant légal",
}


def _display_name(actor: Actor) -> str:
    return _ANONYMOUS_KINDS.get(actor.kind) or actor.display_name or actor.kind.value


def trace_row(
    *,
    dossier_id: uuid.UUID,
    prev_seq: int,
    prev_hash: str,
    actor: Actor,
    action: str,
    decision: Decision,
    at: datetime,
    target: str | None,
    matrix_version: str | None,
    detail_ct: bytes | None,
) -> dict[str, Any]:
    """The next trace of a dossier's chain, with its hash: every column of ``trace``."""
    row: dict[str, Any] = {
        "dossier_id": dossier_id,
        "seq": prev_seq + 1,
        "at": at,
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "actor_name": _display_name(actor),
        "actor_profession": actor.profession,
        "action": action,
        "target": target,
        "mode": actor.mode.value,
        "outcome": "allowed" if decision.allowed else "denied",
        "reason": decision.reason.value,
        "matrix_version": matrix_version,
        "detail_ct": detail_ct,
        "prev_hash": prev_hash,
    }
    row["hash"] = trace_hash(
        prev_hash=prev_hash,
        dossier_id=str(dossier_id),
        seq=row["seq"],
        at=at,
        actor_kind=row["actor_kind"],
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        actor_profession=row["actor_profession"],
        action=action,
        target=target,
        mode=row["mode"],
        outcome=row["outcome"],
        reason=row["reason"],
        matrix_version=matrix_version,
        detail_ct=detail_ct,
    )
    return row


async def record_trace(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    actor: Actor,
    action: str,
    decision: Decision,
    at: datetime,
    target: str | None = None,
    matrix_version: str | None = None,
    secret_detail: str | None = None,
    data_key: DataKey | None = None,
) -> None:
    """Appends one trace to the dossier's chain. Raises ``TraceUnavailable`` if it cannot:
    the caller's operation (a read included) must then fail."""
    try:
        await _append(
            session,
            dossier_id=dossier_id,
            actor=actor,
            action=action,
            decision=decision,
            at=at,
            target=target,
            matrix_version=matrix_version,
            secret_detail=secret_detail,
            data_key=data_key,
        )
    except SQLAlchemyError as exc:
        raise TraceUnavailable() from exc


async def _append(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    actor: Actor,
    action: str,
    decision: Decision,
    at: datetime,
    target: str | None,
    matrix_version: str | None,
    secret_detail: str | None,
    data_key: DataKey | None,
) -> None:
    # Pending ORM changes go first (the trace may follow a dossier created just before).
    await flush_pending(session)
    known, head = _take_locked_head(session, dossier_id)
    if not known:
        found = (await session.execute(_HEAD_FOR_UPDATE, {"dossier_id": dossier_id})).one_or_none()
        head = (found.seq, found.hash) if found else None
    prev_seq, prev_hash = head or _NO_HEAD
    detail_ct = None
    if secret_detail is not None:
        if data_key is None:
            raise ValueError("a secret trace detail needs the dossier's data key")
        detail_ct = data_key.encrypt(
            secret_detail.encode(), aad=b"trace-detail:" + dossier_id.bytes
        )
    row = trace_row(
        dossier_id=dossier_id,
        prev_seq=prev_seq,
        prev_hash=prev_hash,
        actor=actor,
        action=action,
        decision=decision,
        at=at,
        target=target,
        matrix_version=matrix_version,
        detail_ct=detail_ct,
    )
    if head is not None and is_postgresql(session):
        parameters = {f"new_{key}": value for key, value in row.items()}
        await _APPEND_PG.run(session, {**parameters, "head_dossier_id": dossier_id})
        return
    await _INSERT_TRACE.run(session, row)
    head_row = {"seq": row["seq"], "hash": row["hash"]}
    if head is None:
        await _INSERT_HEAD.run(session, {"dossier_id": dossier_id, **head_row})
    else:
        await _UPDATE_HEAD.run(session, {"head_dossier_id": dossier_id, **head_row})


def decrypt_detail(trace: Trace, data_key: DataKey) -> str | None:
    if trace.detail_ct is None:
        return None
    aad = b"trace-detail:" + trace.dossier_id.bytes
    return data_key.decrypt(trace.detail_ct, aad=aad).decode()


@dataclass(frozen=True, slots=True)
class ChainFault:
    dossier_id: uuid.UUID
    seq: int
    problem: str  # edited | gap | reordered | head_mismatch


async def verify_chains(
    session: AsyncSession, *, dossier_id: uuid.UUID | None = None
) -> list[ChainFault]:
    """Recomputes every chain (or one) and reports the first fault of each dossier."""
    heads_query = select(TraceHead)
    if dossier_id is not None:
        heads_query = heads_query.where(TraceHead.dossier_id == dossier_id)
    heads = {h.dossier_id: h for h in (await session.execute(heads_query)).scalars()}
    traces_query = select(Trace).order_by(Trace.dossier_id, Trace.seq)
    if dossier_id is not None:
        traces_query = traces_query.where(Trace.dossier_id == dossier_id)

    faults: list[ChainFault] = []
    current: uuid.UUID | None = None
    expected_seq, prev_hash, broken = 1, GENESIS, False
    seen: set[uuid.UUID] = set()
    for trace in (await session.execute(traces_query)).scalars():
        if trace.dossier_id != current:
            _check_head(current, expected_seq - 1, prev_hash, heads, faults, broken)
            current, expected_seq, prev_hash, broken = trace.dossier_id, 1, GENESIS, False
            seen.add(trace.dossier_id)
        if broken:
            continue
        problem = _check_one(trace, expected_seq, prev_hash)
        if problem:
            faults.append(
                ChainFault(
                    trace.dossier_id, trace.seq if problem != "gap" else expected_seq, problem
                )
            )
            broken = True
            continue
        expected_seq, prev_hash = trace.seq + 1, trace.hash
    _check_head(current, expected_seq - 1, prev_hash, heads, faults, broken)
    for missing in set(heads) - seen:
        faults.append(ChainFault(missing, 1, "gap"))
    return faults


def _check_one(trace: Trace, expected_seq: int, prev_hash: str) -> str | None:
    if trace.seq != expected_seq:
        return "gap"
    if trace.prev_hash != prev_hash:
        return "reordered"
    recomputed = trace_hash(
        prev_hash=trace.prev_hash,
        dossier_id=str(trace.dossier_id),
        seq=trace.seq,
        at=trace.at,
        actor_kind=trace.actor_kind,
        actor_id=trace.actor_id,
        actor_name=trace.actor_name,
        actor_profession=trace.actor_profession,
        action=trace.action,
        target=trace.target,
        mode=trace.mode,
        outcome=trace.outcome,
        reason=trace.reason,
        matrix_version=trace.matrix_version,
        detail_ct=trace.detail_ct,
    )
    return None if recomputed == trace.hash else "edited"


def _check_head(
    dossier_id: uuid.UUID | None,
    last_seq: int,
    last_hash: str,
    heads: dict[uuid.UUID, TraceHead],
    faults: list[ChainFault],
    broken: bool,
) -> None:
    # A deleted tail leaves a consistent chain behind: only the head remembers its end.
    if dossier_id is None or broken:
        return
    head = heads.get(dossier_id)
    if head is None or head.seq != last_seq or head.hash != last_hash:
        faults.append(ChainFault(dossier_id, last_seq + 1, "gap"))


async def list_traces(
    session: AsyncSession, *, dossier_id: uuid.UUID, limit: int = 200, before_seq: int | None = None
) -> list[Trace]:
    query = select(Trace).where(Trace.dossier_id == dossier_id)
    if before_seq is not None:
        query = query.where(Trace.seq < before_seq)
    query = query.order_by(Trace.seq.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
