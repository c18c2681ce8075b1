"""jobs: scheduled_job, deferred work and runs of periodic jobs

Revision ID: jobs_0001
Revises: foundation_0001
Create Date: 2026-11-23 10:07:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "jobs_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("jobs",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=True),
        sa.Column("run_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_job")),
        sa.UniqueConstraint("job_key", name=op.f("uq_scheduled_job_job_key")),
    )
    with op.batch_alter_table("scheduled_job", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_job_status_run_at", ["status", "run_at"], unique=False)
        batch_op.create_index("ix_scheduled_job_dossier_id", ["dossier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_job", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_job_dossier_id")
        batch_op.drop_index("ix_scheduled_job_status_run_at")
    op.drop_table("scheduled_job")
