"""notifications: the transactional outbox and the events already notified

Revision ID: notifications_0001
Revises: foundation_0001
Create Date: 2026-11-23 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "notifications_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_message_idempotency_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_message_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_outbox_message_dossier_id", ["dossier_id"], unique=False)
    op.create_table(
        "notified_event",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("event_key", sa.String(length=160), nullable=False),
        sa.Column("at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", "event_key", name=op.f("pk_notified_event")),
    )


def downgrade() -> None:
    op.drop_table("notified_event")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_dossier_id")
        batch_op.drop_index("ix_outbox_message_status_next_attempt_at")
    op.drop_table("outbox_message")
