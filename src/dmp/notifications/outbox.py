"""The outbox table's operations: enqueue in the caller's transaction, claim with a lease,
mark the outcome. Delivery itself (``notifications.delivery``) runs outside any
transaction that holds a claim, so a slow relay never keeps rows locked.

Claiming: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers take disjoint
batches; on SQLite one worker runs at a time (``jobs.lock``) and every write transaction
is ``BEGIN IMMEDIATE``, so a claim is never interleaved with another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.engine import dialect_insert
from dmp.kit.ids import new_id
from dmp.notifications.models import OutboxMessage
from dmp.notifications.sealing import idempotency_key, seal_payload
from dmp.runtime import Runtime

PENDING, SENDING, SENT, FAILED, EXPIRED = "pending", "sending", "sent", "failed", "expired"
FINAL = (SENT, FAILED, EXPIRED)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed message, detached from any session."""

    id: uuid.UUID
    channel: str
    event: str
    payload_ct: bytes | None
    attempts: int
    expires_at: datetime | None


def new_message(
    rt: Runtime,
    *,
    dossier_id: uuid.UUID | None,
    event: str,
    event_key: str,
    channel: str,
    address: str,
    payload: dict[str, Any],
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    now = rt.clock.now()
    message_id = new_id()
    return OutboxMessage(
        id=message_id,
        dossier_id=dossier_id,
        idempotency_key=idempotency_key(
            rt, dossier_id=dossier_id, event_key=event_key, channel=channel, address=address
        ),
        event=event,
        channel=channel,
        payload_ct=seal_payload(rt, message_id, {"to": address, **payload}),
        status=PENDING,
        attempts=0,
        next_attempt_at=not_before or now,
        expires_at=expires_at,
        created_at=now,
    )


async def enqueue(session: AsyncSession, message: OutboxMessage) -> bool:
    """Inserts unless a message with the same idempotency key exists; True if inserted."""
    values = {c.key: getattr(message, c.key) for c in OutboxMessage.__table__.columns}
    statement = (
        dialect_insert(session)(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


def _claimed(row: OutboxMessage) -> Claimed:
    return Claimed(row.id, row.channel, row.event, row.payload_ct, row.attempts, row.expires_at)


async def claim_due(session: AsyncSession, *, rt: Runtime, limit: int) -> list[Claimed]:
    """Takes up to ``limit`` due messages: pending ones whose time has come and sending ones
    whose lease ran out (their worker died). Each gets a new lease and one more attempt."""
    now = rt.clock.now()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.execute(query)).scalars())
    lease_end = now + timedelta(seconds=rt.settings.outbox_lease_seconds)
    for row in rows:
        row.status = SENDING
        row.attempts += 1
        row.next_attempt_at = lease_end
    await session.flush()
    return [_claimed(row) for row in rows]


async def claim_one(session: AsyncSession, *, rt: Runtime, message_id: uuid.UUID) -> Claimed | None:
    """The request's fast path: takes this one message if nobody else has. A conditional
    UPDATE, so a worker holding the row (or having sent it) makes this a no-op."""
    now = rt.clock.now()
    lease_end = now + timedelta(seconds=rt.settings.outbox_lease_seconds)
    result: Any = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
        .values(status=SENDING, attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_end)
        .returning(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.event,
            OutboxMessage.payload_ct,
            OutboxMessage.attempts,
            OutboxMessage.expires_at,
        )
    )
    row = result.one_or_none()
    return Claimed(*row) if row is not None else None


async def mark_sent(session: AsyncSession, *, rt: Runtime, message_id: uuid.UUID) -> None:
    # The payload goes: nothing is kept of whom was told what once it is delivered.
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=SENT, sent_at=rt.clock.now(), payload_ct=None, last_error=None)
    )


async def mark_final(
    session: AsyncSession, *, message_id: uuid.UUID, status: str, error: str | None
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status != SENT)
        .values(status=status, payload_ct=None, last_error=(error or "")[:200] or None)
    )


def backoff(rt: Runtime, attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base… capped."""
    settings = rt.settings
    seconds = settings.outbox_backoff_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.outbox_backoff_cap_seconds))


async def mark_retry(
    session: AsyncSession, *, rt: Runtime, claimed: Claimed, error: str, permanent: bool
) -> str:
    """After a failed attempt: back to pending after the backoff, or failed for good when
    the failure is permanent or the attempts are spent. Returns the new status."""
    if permanent or claimed.attempts >= rt.settings.outbox_max_attempts:
        await mark_final(session, message_id=claimed.id, status=FAILED, error=error)
        return FAILED
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id, OutboxMessage.status == SENDING)
        .values(
            status=PENDING,
            next_attempt_at=rt.clock.now() + backoff(rt, claimed.attempts),
            last_error=error[:200],
        )
    )
    return PENDING


async def purge_delivered(session: AsyncSession, *, rt: Runtime) -> int:
    """Removes messages in a final state older than the keeping period (their payload is
    already gone; the row only served the idempotency of late duplicates)."""
    limit = rt.clock.now() - timedelta(days=rt.settings.outbox_keep_days)
    result: Any = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(FINAL), OutboxMessage.created_at < limit
        )
    )
    return int(result.rowcount or 0)
