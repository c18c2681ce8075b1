"""access: majority_consent (the renewed consent awaited from holders who came of age);
treating_physician.role widened to hold "treating_physician"

Revision ID: access_0001
Revises: foundation_0001
Create Date: 2026-11-23 10:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "access_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("access",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # VARCHAR(16) cannot hold "treating_physician" (18): PostgreSQL refused every
    # designation. Widening a VARCHAR rewrites nothing on PostgreSQL.
    with op.batch_alter_table("treating_physician", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=sa.String(length=16),
            type_=sa.String(length=24),
            existing_nullable=False,
        )
    op.create_table(
        "majority_consent",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("came_of_age_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_majority_consent")),
    )
    with op.batch_alter_table("majority_consent", schema=None) as batch_op:
        # The daily job closes the dossiers whose deadline passed: found by this index.
        batch_op.create_index("ix_majority_consent_due_at", ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("majority_consent", schema=None) as batch_op:
        batch_op.drop_index("ix_majority_consent_due_at")
    op.drop_table("majority_consent")
    # treating_physician.role stays wide: narrowing it again would fail on every
    # "treating_physician" row, and the narrow column was never able to hold one.
