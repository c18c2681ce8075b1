"""documents: document versions, their metadata history, the patient's selections

Revision ID: documents_0001
Revises: foundation_0001
Create Date: 2026-11-23 10:03:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "documents_0001"
down_revision: str | Sequence[str] | None = "foundation_0001"
branch_labels: str | Sequence[str] | None = ("documents",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unique_id", sa.String(length=128), nullable=False),
        sa.Column("logical_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("class_code", sa.String(length=8), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("format_code", sa.String(length=128), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("creation_time", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("service_start", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("service_end", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_profession", sa.String(length=8), nullable=True),
        sa.Column("author_specialty", sa.String(length=80), nullable=True),
        sa.Column("author_structure_id", sa.String(length=32), nullable=True),
        sa.Column("author_structure_name", sa.String(length=200), nullable=True),
        sa.Column("practice_setting", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("masked_ps", sa.Boolean(), nullable=False),
        sa.Column("invisible_patient", sa.Boolean(), nullable=False),
        sa.Column("invisible_legal_reps", sa.Boolean(), nullable=False),
        sa.Column("search_title", sa.String(length=300), nullable=False),
        sa.Column("search_author", sa.String(length=200), nullable=False),
        sa.Column("blob_key", sa.String(length=255), nullable=False),
        sa.Column("metadata_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_document_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("dossier_id", "id", name=op.f("pk_document")),
        sa.UniqueConstraint("dossier_id", "blob_key", name=op.f("uq_document_dossier_id_blob_key")),
        sa.UniqueConstraint(
            "dossier_id",
            "logical_id",
            "version",
            name=op.f("uq_document_dossier_id_logical_id_version"),
        ),
        sa.UniqueConstraint(
            "dossier_id", "unique_id", name=op.f("uq_document_dossier_id_unique_id")
        ),
    )
    # dossier_id leads every index: the tables distribute by dossier, searches stay local.
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_dossier_id_author_id", ["dossier_id", "author_id"], unique=False
        )
        batch_op.create_index(
            "ix_document_dossier_id_class_code", ["dossier_id", "class_code"], unique=False
        )
        batch_op.create_index(
            "ix_document_dossier_id_status_creation_time",
            ["dossier_id", "status", "creation_time"],
            unique=False,
        )
        batch_op.create_index(
            "ix_document_dossier_id_status_submitted_at",
            ["dossier_id", "status", "submitted_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_document_dossier_id_type_code", ["dossier_id", "type_code"], unique=False
        )

    op.create_table(
        "document_metadata_version",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("metadata_version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=32), nullable=False),
        sa.Column("changed_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_kind", sa.String(length=32), nullable=False),
        sa.Column("changed_by_id", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id", "document_id"],
            ["document.dossier_id", "document.id"],
            name=op.f("fk_document_metadata_version_dossier_id_document"),
        ),
        sa.PrimaryKeyConstraint(
            "dossier_id",
            "document_id",
            "metadata_version",
            name=op.f("pk_document_metadata_version"),
        ),
    )
    op.create_table(
        "selection",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("selected_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id", "document_id"],
            ["document.dossier_id", "document.id"],
            name=op.f("fk_selection_dossier_id_document"),
        ),
        sa.PrimaryKeyConstraint("dossier_id", "document_id", name=op.f("pk_selection")),
    )


def downgrade() -> None:
    op.drop_table("selection")
    op.drop_table("document_metadata_version")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_dossier_id_type_code")
        batch_op.drop_index("ix_document_dossier_id_status_submitted_at")
        batch_op.drop_index("ix_document_dossier_id_status_creation_time")
        batch_op.drop_index("ix_document_dossier_id_class_code")
        batch_op.drop_index("ix_document_dossier_id_author_id")

    op.drop_table("document")
