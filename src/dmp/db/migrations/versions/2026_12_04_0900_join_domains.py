"""join the domains' branches into one head

Each domain grew its own branch from the foundation while they were built side by side;
this revision joins them so that ``dmp db upgrade`` and later migrations have a single
head to build on.

Revision ID: join_0001
Revises: auth_0002, access_0001, documents_0001, notifications_0001, feeds_0001, jobs_0001
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

revision: str = "join_0001"
down_revision: str | Sequence[str] | None = (
    "auth_0002",
    "access_0001",
    "documents_0001",
    "notifications_0001",
    "feeds_0001",
    "jobs_0001",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
