"""auth: token_jti, the spent assertion ids of the replay guard

Revision ID: auth_0001
Revises: foundation_0001
Create Date: 2026-11-23 10:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "auth_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "token_jti",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_token_jti")),
    )
    with op.batch_alter_table("token_jti", schema=None) as batch_op:
        # The purge deletes by expiry; without the index it would scan the whole table.
        batch_op.create_index(batch_op.f("ix_token_jti_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("token_jti", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_jti_expires_at"))
    op.drop_table("token_jti")
