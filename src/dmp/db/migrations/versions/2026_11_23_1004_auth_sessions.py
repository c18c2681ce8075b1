"""auth: people's logins — portal accounts, one-time codes, sessions, security events,
passkeys

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-11-23 10:04:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dmp.db.types

revision: str = "auth_0002"
down_revision: str | Sequence[str] | None = "auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _lockout_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns every account kind shares: password, channels, lockout."""
    return [
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "professional_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("national_id", sa.String(length=32), nullable=False),
        *_lockout_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professional_account")),
        sa.UniqueConstraint("national_id", name=op.f("uq_professional_account_national_id")),
    )
    op.create_table(
        "agent_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("login_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("structure", sa.String(length=64), nullable=True),
        *_lockout_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_account")),
        sa.UniqueConstraint("login_id", name=op.f("uq_agent_account_login_id")),
    )
    op.create_table(
        "login_challenge",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=True),
        sa.Column("webauthn_challenge", sa.LargeBinary(), nullable=True),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_challenge")),
    )
    with op.batch_alter_table("login_challenge", schema=None) as batch_op:
        # Lockout and re-issue close an account's pending codes; the purge goes by expiry.
        batch_op.create_index(
            "ix_login_challenge_account", ["account_kind", "account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_login_challenge_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("actor_kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("profession", sa.String(length=8), nullable=True),
        sa.Column("specialty", sa.String(length=80), nullable=True),
        sa.Column("structure", sa.String(length=64), nullable=True),
        sa.Column("dossier_id", sa.Uuid(), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_expires_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("absolute_expires_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_session_token_hash")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        # Revocation by account (password change, re-issue); purge by absolute expiry.
        batch_op.create_index(
            "ix_auth_session_account", ["account_kind", "account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_auth_session_absolute_expires_at"),
            ["absolute_expires_at"],
            unique=False,
        )
    op.create_table(
        "security_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("subject_index", sa.String(length=64), nullable=True),
        sa.Column("actor_kind", sa.String(length=32), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_event")),
    )
    with op.batch_alter_table("security_event", schema=None) as batch_op:
        # The emulated lock of unknown identifiers counts events by subject over time.
        batch_op.create_index(
            "ix_security_event_subject_index_at", ["subject_index", "at"], unique=False
        )
        batch_op.create_index(
            "ix_security_event_account", ["account_kind", "account_id", "at"], unique=False
        )
    op.create_table(
        "webauthn_credential",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("created_at", dmp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", dmp.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webauthn_credential")),
        # One credential, one account: an authenticator's id is global.
        sa.UniqueConstraint("credential_id", name=op.f("uq_webauthn_credential_credential_id")),
    )
    with op.batch_alter_table("webauthn_credential", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webauthn_credential_account", ["account_kind", "account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webauthn_credential", schema=None) as batch_op:
        batch_op.drop_index("ix_webauthn_credential_account")
    op.drop_table("webauthn_credential")
    with op.batch_alter_table("security_event", schema=None) as batch_op:
        batch_op.drop_index("ix_security_event_account")
        batch_op.drop_index("ix_security_event_subject_index_at")
    op.drop_table("security_event")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_absolute_expires_at"))
        batch_op.drop_index("ix_auth_session_account")
    op.drop_table("auth_session")
    with op.batch_alter_table("login_challenge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_challenge_expires_at"))
        batch_op.drop_index("ix_login_challenge_account")
    op.drop_table("login_challenge")
    op.drop_table("agent_account")
    op.drop_table("professional_account")
