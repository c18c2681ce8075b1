"""Delivering the outbox: claim (short transaction), send (no transaction open), mark
(short transaction, one per message).

The guarantee is at-least-once with a stable identity, not exactly-once: a relay that
accepted a message cannot be asked whether it did, so a worker killed between the
relay's acceptance and the commit of "sent" leaves a claimed message whose lease runs out
and which is sent again, with the same ``Message-ID`` (``<outbox id@domain>``). Every
other crash point (before the send, between messages, after the mark) delivers once.
Committing each mark on its own keeps that window to one round trip. docs/notifications.md
explains the reasoning.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.crypto import KeyUnavailable
from dmp.db.uow import unit_of_work
from dmp.notifications import outbox
from dmp.notifications.email import EmailDeliveryFailed, EmailSender
from dmp.notifications.letters import LetterQueue
from dmp.notifications.outbox import EXPIRED, FAILED, SENT, Claimed
from dmp.notifications.sealing import open_payload
from dmp.notifications.sms import SmsDeliveryFailed, SmsGateway, sms_gateway_from
from dmp.runtime import Runtime

log = logging.getLogger(__name__)

# Test hook: called at "claimed", "sent" (accepted, not yet marked) and "marked", so the
# crash tests can kill the process at an exact point. None in production.
Checkpoint = Callable[[str, uuid.UUID], Awaitable[None] | None]


class DeliveryFailed(Exception):
    def __init__(self, kind: str, *, permanent: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Channels:
    """The three ways out, built once per worker (tests pass their own)."""

    email: EmailSender
    sms: SmsGateway
    letters: LetterQueue

    @classmethod
    def from_runtime(cls, rt: Runtime) -> Channels:
        settings = rt.settings
        return cls(
            email=EmailSender.from_settings(settings),
            sms=sms_gateway_from(settings, clock=rt.clock),
            letters=LetterQueue(settings.effective_letters_dir),
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    statuses: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.expired


async def send(
    channels: Channels, message_id: uuid.UUID, channel: str, payload: dict[str, Any]
) -> None:
    """One message out through its channel; every failure becomes ``DeliveryFailed``."""
    try:
        if channel == "email":
            await channels.email.send(
                to=payload["to"],
                subject=payload["subject"],
                body=payload["body"],
                message_id=channels.email.stable_message_id(f"outbox-{message_id}"),
            )
        elif channel == "sms":
            await channels.sms.send(to=payload["to"], text=payload["sms"])
        elif channel == "letter":
            await channels.letters.send(
                message_id=message_id,
                addressee=payload["to"],
                subject=payload["subject"],
                body=payload["body"],
            )
        else:
            raise DeliveryFailed(f"unknown channel {channel}", permanent=True)
    except EmailDeliveryFailed as exc:
        raise DeliveryFailed(exc.kind or "smtp", permanent=exc.permanent) from exc
    except SmsDeliveryFailed as exc:
        raise DeliveryFailed(exc.kind or "sms-gateway", permanent=exc.permanent) from exc
    except OSError as exc:  # the letters folder
        raise DeliveryFailed(type(exc).__name__, permanent=False) from exc


async def _checkpoint(hook: Checkpoint | None, stage: str, message_id: uuid.UUID) -> None:
    if hook is not None:
        result = hook(stage, message_id)
        if result is not None:
            await result


async def _attempt(
    rt: Runtime, channels: Channels, claimed: Claimed, hook: Checkpoint | None
) -> tuple[str, str | None, bool]:
    """Sends one claimed message. Returns (outcome, error kind, permanent)."""
    if claimed.expires_at is not None and claimed.expires_at <= rt.clock.now():
        return EXPIRED, "expired before delivery", True
    if claimed.payload_ct is None:
        return FAILED, "payload missing", True
    try:
        payload = open_payload(rt, claimed.id, claimed.payload_ct)
    except (KeyUnavailable, ValueError) as exc:
        return FAILED, f"payload unreadable: {type(exc).__name__}", True
    try:
        await send(channels, claimed.id, claimed.channel, payload)
    except DeliveryFailed as exc:
        return "retry", exc.kind, exc.permanent
    except Exception as exc:  # an adapter's surprise: retried like any transient failure
        return "retry", type(exc).__name__, False
    await _checkpoint(hook, "sent", claimed.id)
    return SENT, None, False


async def _record(
    session: AsyncSession,
    rt: Runtime,
    claimed: Claimed,
    outcome: tuple[str, str | None, bool],
    report: DeliveryReport,
) -> str:
    status, error, permanent = outcome
    if status == SENT:
        await outbox.mark_sent(session, rt=rt, message_id=claimed.id)
        report.sent += 1
    elif status == "retry":
        status = await outbox.mark_retry(
            session, rt=rt, claimed=claimed, error=error or "", permanent=permanent
        )
        if status == FAILED:
            report.failed += 1
        else:
            report.retried += 1
    else:
        await outbox.mark_final(session, message_id=claimed.id, status=status, error=error)
        if status == EXPIRED:
            report.expired += 1
        else:
            report.failed += 1
    report.statuses[claimed.id] = status
    return status


async def deliver_due(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    channels: Channels | None = None,
    limit: int | None = None,
    checkpoint: Checkpoint | None = None,
) -> DeliveryReport:
    """One round of the worker: claims a batch, sends each message, marks each."""
    channels = channels or Channels.from_runtime(rt)
    report = DeliveryReport()
    async with unit_of_work(factory) as session:
        batch = await outbox.claim_due(session, rt=rt, limit=limit or rt.settings.outbox_batch_size)
    for claimed in batch:
        await _checkpoint(checkpoint, "claimed", claimed.id)
        outcome = await _attempt(rt, channels, claimed, checkpoint)
        async with unit_of_work(factory) as session:
            await _record(session, rt, claimed, outcome, report)
        await _checkpoint(checkpoint, "marked", claimed.id)
        if outcome[0] == "retry":
            log.warning("outbox message %s not delivered (%s)", claimed.id, outcome[1])
    return report


async def deliver_now(
    session: AsyncSession,
    *,
    rt: Runtime,
    message_id: uuid.UUID,
    channels: Channels | None = None,
) -> str | None:
    """The request's fast path, after its commit: claims and sends this one message in
    ``session`` (its transaction is over), committing the claim and the mark. Returns the
    new status, or None when someone else had the message already."""
    await session.flush()  # the message may still be pending in the session (tests)
    claimed = await outbox.claim_one(session, rt=rt, message_id=message_id)
    await session.commit()
    if claimed is None:
        return None
    outcome = await _attempt(rt, channels or Channels.from_runtime(rt), claimed, None)
    status = await _record(session, rt, claimed, outcome, DeliveryReport())
    await session.commit()
    return status
