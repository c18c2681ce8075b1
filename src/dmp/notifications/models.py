"""Tables of the notifications domain: the transactional outbox and the memory of events
already notified (so that "first access by a professional" stays first for the dossier's
whole life, long after its outbox rows are cleaned up)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class OutboxMessage(Base):
    """One message to one recipient on one channel, written in the transaction of the
    event it announces. The recipient's address and the rendered text live only in
    ``payload_ct`` (sealed with the outbox key), which is wiped once the message reaches
    a final state."""

    __tablename__ = "outbox_message"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # NULL for messages about an account outside any dossier (a professional's code).
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Keyed hash of (dossier, event, recipient, channel): the same event never reaches
    # the same address twice through the same channel, however often it is enqueued.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(40))  # the template, e.g. "break_glass"
    channel: Mapped[str] = mapped_column(String(8))  # email | sms | letter
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12))  # pending|sending|sent|failed|expired
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When pending: not before. When sending: the end of the claim's lease, after which
    # the message is considered abandoned by a dead worker and claimed again.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A message still undelivered at this time is dropped (one-time codes: 10 minutes).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kind of the last failure only (exception class, SMTP code): never an address.
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # The worker's claim: due messages in order of due time.
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_message_dossier_id", "dossier_id"),
    )


class NotifiedEvent(Base):
    """Events of a dossier already turned into messages, by stable key
    (``first_access:<professional>``, ``break_glass:<professional>:<day>``…)."""

    __tablename__ = "notified_event"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
