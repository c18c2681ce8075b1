"""feeds: reimbursement_line and dispensation, the structured rows of the feeds

Revision ID: feeds_0001
Revises: foundation_0001
Create Date: 2026-11-23 10:06:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "feeds_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("feeds",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reimbursement_line",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("line_hash", sa.String(length=64), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("care_date", sa.Date(), nullable=False),
        sa.Column("fields_ct", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_reimbursement_line_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("dossier_id", "line_hash", name=op.f("pk_reimbursement_line")),
    )
    with op.batch_alter_table("reimbursement_line", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reimbursement_line_dossier_id_care_date", ["dossier_id", "care_date"], unique=False
        )
        batch_op.create_index("ix_reimbursement_line_care_date", ["care_date"], unique=False)
    op.create_table(
        "dispensation",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("line_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dispensed_on", sa.Date(), nullable=False),
        sa.Column("visible_until", sa.Date(), nullable=False),
        sa.Column("fields_ct", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_dispensation_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("dossier_id", "line_hash", name=op.f("pk_dispensation")),
    )
    with op.batch_alter_table("dispensation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dispensation_dossier_id_dispensed_on", ["dossier_id", "dispensed_on"], unique=False
        )
        batch_op.create_index("ix_dispensation_visible_until", ["visible_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispensation", schema=None) as batch_op:
        batch_op.drop_index("ix_dispensation_visible_until")
        batch_op.drop_index("ix_dispensation_dossier_id_dispensed_on")
    op.drop_table("dispensation")
    with op.batch_alter_table("reimbursement_line", schema=None) as batch_op:
        batch_op.drop_index("ix_reimbursement_line_care_date")
        batch_op.drop_index("ix_reimbursement_line_dossier_id_care_date")
    op.drop_table("reimbursement_line")
