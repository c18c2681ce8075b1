"""Failed attempts and the temporary lock (3 failures → 15 minutes, by default).

An unknown identifier must behave exactly like a known one: same error, same argon2
cost (a verification against a dummy hash) and the same lock after the same number of
failures, emulated from ``security_event`` rows, so that nobody can probe which
identifiers exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import AccountKind, AccountRow, AuthEvent, Principal, record_event
from dmp.auth.login_errors import AccountLocked
from dmp.auth.models import LoginChallenge, SecurityEvent
from dmp.crypto.passwords import hash_password, needs_rehash, verify_password
from dmp.errors import DmpError
from dmp.kit.ids import new_id
from dmp.runtime import Runtime

# A hash whose password has served once (an initial or temporary password after the
# first login): argon2 cannot parse it, so it never verifies as is.
SPENT_PREFIX = "spent:"
_dummy_hash: str | None = None


class PasswordCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    SPENT = "spent"


def _dummy() -> str:
    global _dummy_hash  # one lazily computed hash per process
    # Recomputed if the hashing parameters changed, so its cost stays that of a real one.
    if _dummy_hash is None or needs_rehash(_dummy_hash):
        _dummy_hash = hash_password("dummy password that matches no account")
    return _dummy_hash


def burn_verification_time(password: str) -> None:
    """Costs one argon2 verification, like checking a real account's password."""
    verify_password(_dummy(), password)


def check_password(password_hash: str, password: str) -> PasswordCheck:
    if password_hash.startswith(SPENT_PREFIX):
        spent_ok = verify_password(password_hash.removeprefix(SPENT_PREFIX), password)
        return PasswordCheck.SPENT if spent_ok else PasswordCheck.WRONG
    if not password_hash.startswith("$argon2"):
        burn_verification_time(password)  # an unusable hash must not answer faster
        return PasswordCheck.WRONG
    return PasswordCheck.OK if verify_password(password_hash, password) else PasswordCheck.WRONG


def spend_password(row: AccountRow) -> None:
    if not row.password_hash.startswith(SPENT_PREFIX):
        row.password_hash = SPENT_PREFIX + row.password_hash


def is_locked(row: AccountRow, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def lock_minutes(rt: Runtime) -> int:
    return rt.settings.login_lockout_minutes


def refusal(error: DmpError) -> DmpError:
    """Failures must stay recorded although the request fails: the unit of work commits."""
    error.keep_changes = True
    return error


async def register_failure(
    session: AsyncSession,
    *,
    rt: Runtime,
    principal: Principal,
    event: AuthEvent,
    detail: str | None = None,
) -> bool:
    """Counts and traces one failure; locks the account at the threshold. True if locked."""
    now = rt.clock.now()
    row = principal.row
    row.failed_attempts = (row.failed_attempts or 0) + 1
    await record_event(
        session, rt=rt, principal=principal, event=event, allowed=False, detail=detail
    )
    if row.failed_attempts < rt.settings.login_max_failures:
        await session.flush()
        return False
    row.locked_until = now + timedelta(minutes=lock_minutes(rt))
    # The next period starts afresh once the lock has passed.
    row.failed_attempts = 0
    await close_open_challenges(
        session, kind=principal.kind, account_id=principal.account_id, now=now, reason="locked"
    )
    await record_event(
        session,
        rt=rt,
        principal=principal,
        event=AuthEvent.ACCOUNT_LOCKED,
        allowed=False,
        detail=f"until {row.locked_until.isoformat(timespec='minutes')}",
    )
    await session.flush()
    return True


def reset_after_success(row: AccountRow, now: datetime) -> None:
    row.failed_attempts = 0
    row.locked_until = None
    row.last_login_at = now


async def close_open_challenges(
    session: AsyncSession,
    *,
    kind: AccountKind,
    account_id: object,
    now: datetime,
    reason: str,
    purpose: str | None = None,
) -> None:
    query = (
        update(LoginChallenge)
        .where(
            LoginChallenge.account_kind == kind.value,
            LoginChallenge.account_id == account_id,
            LoginChallenge.closed_at.is_(None),
        )
        .values(closed_at=now, closed_reason=reason)
    )
    if purpose is not None:
        query = query.where(LoginChallenge.purpose == purpose)
    await session.execute(query)


async def unknown_identifier_failure(
    session: AsyncSession, *, rt: Runtime, kind: AccountKind, identifier: str
) -> bool:
    """Records a failure on an identifier with no account; True once it is "locked".

    Same arithmetic as a real account: failures count since the last emulated lock, the
    threshold starts a lock of the same length, attempts during it are refused."""
    now = rt.clock.now()
    subject = rt.blind_index.of(identifier, purpose=f"login:{kind.value}")
    last_lock = await session.scalar(
        select(func.max(SecurityEvent.at)).where(
            SecurityEvent.subject_index == subject,
            SecurityEvent.kind == AuthEvent.UNKNOWN_IDENTIFIER_LOCKED.value,
        )
    )
    window = timedelta(minutes=lock_minutes(rt))
    if last_lock is not None and last_lock + window > now:
        _security_event(session, rt, kind, subject, AuthEvent.REFUSED_WHILE_LOCKED)
        await session.flush()
        return True
    query = select(func.count()).where(
        SecurityEvent.subject_index == subject,
        SecurityEvent.kind == AuthEvent.UNKNOWN_IDENTIFIER.value,
    )
    if last_lock is not None:
        query = query.where(SecurityEvent.at > last_lock)
    failures = int(await session.scalar(query) or 0) + 1
    _security_event(session, rt, kind, subject, AuthEvent.UNKNOWN_IDENTIFIER)
    locked = failures >= rt.settings.login_max_failures
    if locked:
        _security_event(session, rt, kind, subject, AuthEvent.UNKNOWN_IDENTIFIER_LOCKED)
    await session.flush()
    return locked


def _security_event(
    session: AsyncSession, rt: Runtime, kind: AccountKind, subject: str, event: AuthEvent
) -> None:
    session.add(
        SecurityEvent(
            id=new_id(),
            at=rt.clock.now(),
            kind=event.value,
            account_kind=kind.value,
            subject_index=subject,
        )
    )


def locked_error(rt: Runtime) -> DmpError:
    return refusal(AccountLocked(minutes=lock_minutes(rt)))
