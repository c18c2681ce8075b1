"""Server-side sessions: a random token given once to the client (cookie or bearer), its
sha256 kept here; an idle timeout and an absolute timeout; revocation on logout,
password change and credential re-issue; a CSRF secret per session.

A session opened with a temporary password is flagged ``must_change_password``: the
HTTP layer lets it do nothing but replace the password (and log out).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import AccountKind, Principal
from dmp.auth.login_errors import CsrfRefused, SessionExpired
from dmp.auth.models import AuthSession, LoginChallenge
from dmp.kit.ids import new_id
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime

# Recognisable prefix: secret scanners and log filters can spot a leaked session token.
TOKEN_PREFIX = "dmps_"  # noqa: S105 - a public prefix, not a secret
# last_seen_at is written at most once a minute: a busy page does not write per request.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """What the client receives once, at login. ``token`` is never stored in clear."""

    session_id: uuid.UUID
    token: str
    csrf_token: str
    actor: Actor
    must_change_password: bool
    idle_expires_at: datetime
    absolute_expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionView:
    """A resolved, live session."""

    session_id: uuid.UUID
    account_kind: AccountKind
    account_id: uuid.UUID
    actor: Actor
    must_change_password: bool
    csrf_secret: str
    idle_expires_at: datetime
    absolute_expires_at: datetime

    def csrf_token(self) -> str:
        return masked_csrf_token(self.csrf_secret)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _timeouts(rt: Runtime) -> tuple[timedelta, timedelta]:
    settings = rt.settings
    return (
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(hours=settings.session_absolute_hours),
    )


async def open_session(
    session: AsyncSession, *, rt: Runtime, principal: Principal, must_change_password: bool
) -> OpenedSession:
    now = rt.clock.now()
    idle, absolute = _timeouts(rt)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    actor = principal.actor
    row = AuthSession(
        id=new_id(),
        token_hash=token_hash(token),
        account_kind=principal.kind.value,
        account_id=principal.account_id,
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        display_name=actor.display_name,
        profession=actor.profession,
        specialty=actor.specialty,
        structure=actor.structure,
        dossier_id=uuid.UUID(actor.dossier_id) if actor.dossier_id else None,
        must_change_password=must_change_password,
        csrf_secret=secrets.token_hex(32),
        created_at=now,
        last_seen_at=now,
        idle_expires_at=min(now + idle, now + absolute),
        absolute_expires_at=now + absolute,
    )
    session.add(row)
    await session.flush()
    return OpenedSession(
        session_id=row.id,
        token=token,
        csrf_token=masked_csrf_token(row.csrf_secret),
        actor=actor,
        must_change_password=must_change_password,
        idle_expires_at=row.idle_expires_at,
        absolute_expires_at=row.absolute_expires_at,
    )


def _view(row: AuthSession) -> SessionView:
    actor = Actor(
        kind=ActorKind(row.actor_kind),
        id=row.actor_id,
        display_name=row.display_name,
        profession=row.profession,
        specialty=row.specialty,
        structure=row.structure,
        dossier_id=str(row.dossier_id) if row.dossier_id else None,
    )
    return SessionView(
        session_id=row.id,
        account_kind=AccountKind(row.account_kind),
        account_id=row.account_id,
        actor=actor,
        must_change_password=row.must_change_password,
        csrf_secret=row.csrf_secret,
        idle_expires_at=row.idle_expires_at,
        absolute_expires_at=row.absolute_expires_at,
    )


async def _live_row(session: AsyncSession, *, rt: Runtime, token: str) -> AuthSession:
    if not token.startswith(TOKEN_PREFIX):
        raise SessionExpired()
    row = (
        await session.execute(
            select(AuthSession).where(AuthSession.token_hash == token_hash(token))
        )
    ).scalar_one_or_none()
    now = rt.clock.now()
    if (
        row is None
        or row.revoked_at is not None
        or now >= row.idle_expires_at
        or now >= row.absolute_expires_at
    ):
        raise SessionExpired()
    return row


async def resolve_session(session: AsyncSession, *, rt: Runtime, token: str) -> SessionView:
    """The live session of ``token``, its idle deadline pushed back. Unknown, revoked and
    expired tokens all raise ``SessionExpired``."""
    row = await _live_row(session, rt=rt, token=token)
    now = rt.clock.now()
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        idle, _ = _timeouts(rt)
        row.last_seen_at = now
        row.idle_expires_at = min(now + idle, row.absolute_expires_at)
        await session.flush()
    return _view(row)


async def revoke_session(
    session: AsyncSession, *, rt: Runtime, session_id: uuid.UUID, reason: str = "logout"
) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=rt.clock.now(), revoked_reason=reason)
    )


async def logout(session: AsyncSession, *, rt: Runtime, token: str) -> None:
    """Ends the session of ``token``; an already dead token is not an error."""
    try:
        row = await _live_row(session, rt=rt, token=token)
    except SessionExpired:
        return
    await revoke_session(session, rt=rt, session_id=row.id)


async def revoke_account_sessions(
    session: AsyncSession,
    *,
    rt: Runtime,
    kind: AccountKind,
    account_id: uuid.UUID,
    reason: str,
    keep: uuid.UUID | None = None,
) -> None:
    query = update(AuthSession).where(
        AuthSession.account_kind == kind.value,
        AuthSession.account_id == account_id,
        AuthSession.revoked_at.is_(None),
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    await session.execute(query.values(revoked_at=rt.clock.now(), revoked_reason=reason))


async def clear_password_flag(session: AsyncSession, *, session_id: uuid.UUID) -> None:
    await session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(must_change_password=False)
    )


# --- CSRF: synchroniser token, masked per rendering so that compressed pages do not
# leak the secret byte by byte (BREACH); any masked form of the secret is accepted. ---


def masked_csrf_token(secret: str) -> str:
    raw = bytes.fromhex(secret)
    pad = secrets.token_bytes(len(raw))
    return (pad + bytes(a ^ b for a, b in zip(raw, pad, strict=True))).hex()


def check_csrf(view: SessionView, presented: str | None) -> None:
    """Constant-time check of a form's or header's token; raises ``CsrfRefused``."""
    expected = bytes.fromhex(view.csrf_secret)
    try:
        raw = bytes.fromhex(presented or "")
    except ValueError:
        raw = b""
    if len(raw) != 2 * len(expected):
        raise CsrfRefused()
    pad, body = raw[: len(expected)], raw[len(expected) :]
    unmasked = bytes(a ^ b for a, b in zip(body, pad, strict=True))
    if not hmac.compare_digest(unmasked, expected):
        raise CsrfRefused()


async def purge_expired_logins(session: AsyncSession, *, rt: Runtime) -> int:
    """Deletes sessions past their absolute expiry and challenges past theirs: neither can
    be used any more, and the traces keep what happened. For the job scheduler."""
    now = rt.clock.now()
    removed = 0
    for statement in (
        delete(AuthSession).where(AuthSession.absolute_expires_at < now),
        delete(LoginChallenge).where(LoginChallenge.expires_at < now),
    ):
        result: Any = await session.execute(statement)
        removed += int(result.rowcount or 0)
    return removed
