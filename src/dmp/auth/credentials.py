"""Passwords over an account's life: the person replaces theirs (forced after a
temporary one); support re-issues credentials or lifts a lock. Every step is traced."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.auth import password_policy
from dmp.auth.accounts import (
    AccountKind,
    AuthEvent,
    Principal,
    find_account,
    get_account,
    password_context_of,
    principal_of,
    record_event,
)
from dmp.auth.delivery import notify_password_changed
from dmp.auth.lockout import (
    SPENT_PREFIX,
    PasswordCheck,
    check_password,
    close_open_challenges,
    is_locked,
    locked_error,
    refusal,
    register_failure,
)
from dmp.auth.login_errors import (
    AccountNotFound,
    CurrentPasswordIncorrect,
    SessionExpired,
    WeakPassword,
)
from dmp.auth.sessions import SessionView, clear_password_flag, revoke_account_sessions
from dmp.crypto.passwords import hash_password, new_initial_password, new_login_id, verify_password
from dmp.dossiers.models import PatientAccount
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied, InvalidInput
from dmp.policy import Action, Actor, ActorKind, Reason
from dmp.runtime import Runtime

# Accounts outside any dossier (professionals, agents) are administered by support and
# the operator: no dossier policy applies to them, so the rule is stated here.
PORTAL_ADMINISTRATORS = frozenset({ActorKind.SUPPORT, ActorKind.OPERATOR})


@dataclass(frozen=True, slots=True)
class ReissuedCredentials:
    """What the new letter prints. The temporary password is shown once, never stored."""

    account_id: uuid.UUID
    login_id: str
    temporary_password: str
    new_login_id: bool


async def change_password(
    session: AsyncSession,
    *,
    rt: Runtime,
    view: SessionView,
    new_password: str,
    current_password: str | None = None,
) -> None:
    """Replaces the password of the session's account. A session opened with a temporary
    password needs no current password (it was spent at login); any other must give it,
    and three wrong answers lock the account like a login would. Other sessions of the
    account are closed."""
    row = await get_account(session, kind=view.account_kind, account_id=view.account_id, lock=True)
    principal = await principal_of(session, row) if row is not None else None
    if principal is None:
        raise SessionExpired()
    if is_locked(principal.row, rt.clock.now()):
        raise locked_error(rt)
    if not view.must_change_password:
        await _check_current(
            session, rt=rt, principal=principal, view=view, password=current_password
        )
        if current_password == new_password:
            raise WeakPassword(
                detail=password_policy.describe(["same_as_current"]), problems=["same_as_current"]
            )
    password_policy.check_password(new_password, password_context_of(rt, principal))
    account = principal.row
    if view.must_change_password and verify_password(
        account.password_hash.removeprefix(SPENT_PREFIX), new_password
    ):
        raise WeakPassword(
            detail=password_policy.describe(["same_as_current"]), problems=["same_as_current"]
        )
    account.password_hash = hash_password(new_password)
    account.must_change_password = False
    await revoke_account_sessions(
        session,
        rt=rt,
        kind=principal.kind,
        account_id=principal.account_id,
        reason="password_changed",
        keep=view.session_id,
    )
    await clear_password_flag(session, session_id=view.session_id)
    await record_event(
        session, rt=rt, principal=principal, event=AuthEvent.PASSWORD_CHANGED, allowed=True
    )
    await notify_password_changed(session, rt=rt, principal=principal)


async def _check_current(
    session: AsyncSession,
    *,
    rt: Runtime,
    principal: Principal,
    view: SessionView,
    password: str | None,
) -> None:
    if check_password(principal.row.password_hash, password or "") is PasswordCheck.OK:
        return
    locked = await register_failure(
        session, rt=rt, principal=principal, event=AuthEvent.CURRENT_PASSWORD_REFUSED
    )
    if locked:  # whoever holds this session is guessing: every session of the account ends
        await revoke_account_sessions(
            session, rt=rt, kind=principal.kind, account_id=principal.account_id, reason="locked"
        )
        raise locked_error(rt)
    raise refusal(CurrentPasswordIncorrect())


async def _dossier_account(
    session: AsyncSession, *, dossier_id: uuid.UUID, account_id: uuid.UUID | None
) -> PatientAccount:
    query = select(PatientAccount).where(
        PatientAccount.dossier_id == dossier_id, PatientAccount.disabled_at.is_(None)
    )
    if account_id is not None:
        query = query.where(PatientAccount.id == account_id)
    accounts = list((await session.execute(query.with_for_update())).scalars())
    if not accounts:
        raise AccountNotFound(detail="aucun compte actif sur ce DMP")
    if len(accounts) > 1:
        raise InvalidInput(detail="plusieurs comptes sur ce DMP : précisez lequel")
    return accounts[0]


async def reissue_credentials(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    account_id: uuid.UUID | None = None,
    new_identifier: bool = False,
) -> ReissuedCredentials:
    """Support (counter portal or CLI) issues a temporary password, and a new login id
    when the letter was lost: the account must change it at next login. Unlocks the
    account, closes its sessions and pending codes."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    target = "login_id+password" if new_identifier else "password"
    await enforce(
        session, rt=rt, actor=actor, action=Action.CREDENTIALS_REISSUE, dossier=dossier,
        target=target,
    )  # fmt: skip
    account = await _dossier_account(session, dossier_id=dossier.id, account_id=account_id)
    if new_identifier:
        account.login_id = await _unused_login_id(session)
    password = new_initial_password()
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.failed_attempts = 0
    account.locked_until = None
    now = rt.clock.now()
    await revoke_account_sessions(
        session, rt=rt, kind=AccountKind.PATIENT, account_id=account.id, reason="reissued"
    )
    await close_open_challenges(
        session, kind=AccountKind.PATIENT, account_id=account.id, now=now, reason="superseded"
    )
    await session.flush()
    return ReissuedCredentials(account.id, account.login_id, password, new_identifier)


async def _unused_login_id(session: AsyncSession) -> str:
    while True:
        login_id = new_login_id()
        taken = await session.scalar(
            select(PatientAccount.id).where(PatientAccount.login_id == login_id)
        )
        if taken is None:
            return login_id


async def unlock_account(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    account_id: uuid.UUID | None = None,
) -> None:
    """Lifts the lock of a patient account before its 15 minutes are over (support)."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    await enforce(
        session, rt=rt, actor=actor, action=Action.CREDENTIALS_REISSUE, dossier=dossier,
        target="unlock",
    )  # fmt: skip
    account = await _dossier_account(session, dossier_id=dossier.id, account_id=account_id)
    account.failed_attempts = 0
    account.locked_until = None
    await session.flush()


async def unlock_portal_account(
    session: AsyncSession, *, rt: Runtime, actor: Actor, kind: AccountKind, identifier: str
) -> None:
    """Lifts the lock of a professional's or an agent's portal account."""
    if actor.kind not in PORTAL_ADMINISTRATORS or kind is AccountKind.PATIENT:
        raise AccessDenied(reason=Reason.ACTION_NOT_PERMITTED.value, action="auth:account:unlock")
    row = await find_account(session, kind=kind, identifier=identifier, lock=True)
    principal = await principal_of(session, row) if row is not None else None
    if principal is None:
        raise AccountNotFound(detail=identifier)
    principal.row.failed_attempts = 0
    principal.row.locked_until = None
    await record_event(
        session, rt=rt, principal=principal, event=AuthEvent.ACCOUNT_UNLOCKED, allowed=True,
        by=actor,
    )  # fmt: skip
