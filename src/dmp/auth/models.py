"""Tables of the auth domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class TokenJti(Base):
    """A spent assertion id. The primary key makes every app node refuse a second use;
    rows are useless once the token has expired and are purged after ``expires_at``."""

    __tablename__ = "token_jti"

    # sha256 (hex) of the subject and the jti: fixed width whatever the client sends, and
    # one professional cannot spend another's jti values.
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# --- People's logins: portal accounts, one-time codes, sessions, security events. ---


class ProfessionalAccount(Base):
    """A professional's portal login (e-CPS style), linked to the directory by national id.

    No foreign key to ``professional``: the directory is a replicated reference table
    reloaded from extracts, and a professional leaving it must not delete their history.
    """

    __tablename__ = "professional_account"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    national_id: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # Professional contact channels are not health data: kept in clear.
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgentAccount(Base):
    """A counter agent's or a support agent's portal login."""

    __tablename__ = "agent_account"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    login_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))  # counter_agent | support
    display_name: Mapped[str] = mapped_column(String(200))
    structure: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginChallenge(Base):
    """A pending one-time code: the second step of a login, or the confirmation of a new
    contact channel. Only a keyed hash of the code is stored; a challenge is closed on
    first success, on lockout, or when superseded."""

    __tablename__ = "login_challenge"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(24))  # login | contact_change
    account_kind: Mapped[str] = mapped_column(String(16))  # patient | professional | agent
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    channel: Mapped[str | None] = mapped_column(String(8))  # email | sms, once a code is sent
    code_hash: Mapped[str | None] = mapped_column(String(64))
    # The new e-mail or mobile of a contact change, sealed with the dossier's data key.
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A passkey ceremony's challenge: random and sent in clear by design, so kept as is.
    webauthn_challenge: Mapped[bytes | None] = mapped_column(LargeBinary)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    # Wrong codes on this challenge; a login also counts them on the account (lockout).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(16))  # used | locked | superseded

    __table_args__ = (Index("ix_login_challenge_account", "account_kind", "account_id"),)


class AuthSession(Base):
    """A server-side session. The token itself is never stored, only its sha256; the same
    token serves as a cookie (portals) or a bearer token (mobile app)."""

    __tablename__ = "auth_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The actor as it was at login: a request resolves its session in one query.
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str | None] = mapped_column(String(8))
    specialty: Mapped[str | None] = mapped_column(String(80))
    structure: Mapped[str | None] = mapped_column(String(64))
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (Index("ix_auth_session_account", "account_kind", "account_id"),)


class SecurityEvent(Base):
    """Authentication events that belong to no dossier chain: attempts on unknown
    identifiers, professional and agent accounts. Not chained; kept for the operator."""

    __tablename__ = "security_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(48))
    account_kind: Mapped[str | None] = mapped_column(String(16))
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Blind index of the identifier typed at an unknown-identifier attempt: what was typed
    # may be a password typed in the wrong field, so it is never kept in clear.
    subject_index: Mapped[str | None] = mapped_column(String(64))
    actor_kind: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_security_event_subject_index_at", "subject_index", "at"),
        Index("ix_security_event_account", "account_kind", "account_id", "at"),
    )


class WebauthnCredential(Base):
    """A passkey an account enrolled: it may replace the one-time code at login."""

    __tablename__ = "webauthn_credential"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE_Key, as the authenticator gave it
    # Unsigned 32-bit counter: beyond a signed INTEGER, hence BIGINT.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    label: Mapped[str] = mapped_column(String(100))
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_webauthn_credential_account", "account_kind", "account_id"),)
