"""The login of people, the same for every kind of account: identifier and password,
then a one-time code sent to a channel the person chooses among those on file, then a
server-side session. Three failures (password or code) lock the account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import (
    AccountKind,
    AuthEvent,
    Channel,
    Principal,
    channels_of,
    find_account,
    get_account,
    normalize_identifier,
    principal_of,
    record_event,
)
from dmp.auth.lockout import (
    PasswordCheck,
    burn_verification_time,
    check_password,
    is_locked,
    locked_error,
    refusal,
    register_failure,
    reset_after_success,
    spend_password,
    unknown_identifier_failure,
)
from dmp.auth.login_errors import (
    ChallengeExpired,
    ChannelUnavailable,
    CodeIncorrect,
    CodeNotSent,
    InvalidCredentials,
    NoCodeChannel,
    TemporaryPasswordSpent,
)
from dmp.auth.models import LoginChallenge, WebauthnCredential
from dmp.auth.otp import (
    ChannelOption,
    Purpose,
    close,
    code_matches,
    load_open_challenge,
    mask,
    open_challenge,
    send_code,
)
from dmp.auth.sessions import OpenedSession, open_session
from dmp.crypto.passwords import hash_password, needs_rehash
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class LoginStarted:
    """Password accepted. ``sent_to`` is None while the person has to choose a channel."""

    challenge_id: uuid.UUID
    channels: tuple[ChannelOption, ...]
    sent_to: Channel | None
    expires_at: datetime
    passkey: bool = False  # the account may present a passkey instead of a code


@dataclass(frozen=True, slots=True)
class CodeSent:
    challenge_id: uuid.UUID
    channel: Channel
    destination: str  # masked
    expires_at: datetime


async def begin_login(
    session: AsyncSession,
    *,
    rt: Runtime,
    kind: AccountKind,
    identifier: str,
    password: str,
    channel: Channel | None = None,
) -> LoginStarted:
    """Checks identifier and password; on success opens a challenge and, when the channel
    is known (chosen, or the only way in), sends the code."""
    identifier = normalize_identifier(identifier, kind)
    row = await find_account(session, kind=kind, identifier=identifier, lock=True)
    principal = await principal_of(session, row) if row is not None else None
    if principal is None:
        burn_verification_time(password)
        if await unknown_identifier_failure(session, rt=rt, kind=kind, identifier=identifier):
            raise locked_error(rt)
        raise refusal(InvalidCredentials())
    await _check_password(session, rt=rt, principal=principal, password=password)

    channels = channels_of(rt, principal)
    passkey = await has_passkey(session, principal)
    if not channels and not passkey:
        await record_event(
            session, rt=rt, principal=principal, event=AuthEvent.NO_CODE_CHANNEL, allowed=False
        )
        raise refusal(NoCodeChannel())
    if channel is not None and channel not in channels:
        raise ChannelUnavailable(channel=channel.value)
    challenge = await open_challenge(
        session, rt=rt, purpose=Purpose.LOGIN, kind=principal.kind, account_id=principal.account_id
    )
    # With a single channel and no passkey there is nothing to choose: the code goes.
    only = next(iter(channels)) if len(channels) == 1 and not passkey else None
    chosen = channel or only
    if chosen is not None:
        await send_code(
            session, rt=rt, challenge=challenge, channel=chosen, destination=channels[chosen]
        )
    return LoginStarted(
        challenge_id=challenge.id,
        channels=tuple(ChannelOption(c, mask(c, d)) for c, d in channels.items()),
        sent_to=chosen,
        expires_at=challenge.expires_at,
        passkey=passkey,
    )


async def _check_password(
    session: AsyncSession, *, rt: Runtime, principal: Principal, password: str
) -> None:
    row = principal.row
    if is_locked(row, rt.clock.now()):
        burn_verification_time(password)  # a locked account answers no faster
        await record_event(
            session, rt=rt, principal=principal, event=AuthEvent.REFUSED_WHILE_LOCKED,
            allowed=False,
        )  # fmt: skip
        raise locked_error(rt)
    result = check_password(row.password_hash, password)
    if result is PasswordCheck.WRONG:
        if await register_failure(
            session, rt=rt, principal=principal, event=AuthEvent.PASSWORD_REFUSED
        ):
            raise locked_error(rt)
        raise refusal(InvalidCredentials())
    if result is PasswordCheck.SPENT:
        await record_event(
            session, rt=rt, principal=principal, event=AuthEvent.TEMPORARY_PASSWORD_SPENT,
            allowed=False,
        )  # fmt: skip
        raise refusal(TemporaryPasswordSpent())
    if needs_rehash(row.password_hash):  # parameters raised since: upgrade on the fly
        row.password_hash = hash_password(password)


async def has_passkey(session: AsyncSession, principal: Principal) -> bool:
    found = await session.scalar(
        select(WebauthnCredential.id)
        .where(
            WebauthnCredential.account_kind == principal.kind.value,
            WebauthnCredential.account_id == principal.account_id,
        )
        .limit(1)
    )
    return found is not None


async def challenge_principal(
    session: AsyncSession, *, rt: Runtime, challenge_id: uuid.UUID
) -> tuple[Principal, LoginChallenge]:
    """The open login challenge and its account, locked; refuses a locked account."""
    challenge = await load_open_challenge(
        session, rt=rt, challenge_id=challenge_id, purpose=Purpose.LOGIN
    )
    row = await get_account(
        session, kind=AccountKind(challenge.account_kind), account_id=challenge.account_id,
        lock=True,
    )  # fmt: skip
    principal = await principal_of(session, row) if row is not None else None
    if principal is None:  # disabled or gone since the password step
        raise ChallengeExpired()
    if is_locked(principal.row, rt.clock.now()):
        raise locked_error(rt)
    return principal, challenge


async def send_login_code(
    session: AsyncSession, *, rt: Runtime, challenge_id: uuid.UUID, channel: Channel
) -> CodeSent:
    """Sends (or sends again, to the same or the other channel) the code of a login."""
    principal, challenge = await challenge_principal(session, rt=rt, challenge_id=challenge_id)
    channels = channels_of(rt, principal)
    if channel not in channels:
        raise ChannelUnavailable(channel=channel.value)
    expires_at = await send_code(
        session, rt=rt, challenge=challenge, channel=channel, destination=channels[channel]
    )
    return CodeSent(challenge_id, channel, mask(channel, channels[channel]), expires_at)


async def complete_login(
    session: AsyncSession, *, rt: Runtime, challenge_id: uuid.UUID, code: str
) -> OpenedSession:
    """Checks the code; on success spends the challenge and opens a session. A session
    opened with a temporary password must replace it, and that password stops working."""
    principal, challenge = await challenge_principal(session, rt=rt, challenge_id=challenge_id)
    if challenge.code_hash is None:
        raise CodeNotSent()
    if not code_matches(rt, challenge, code):
        if await register_failure(
            session, rt=rt, principal=principal, event=AuthEvent.CODE_REFUSED
        ):
            raise locked_error(rt)
        raise refusal(CodeIncorrect())
    return await finish_login(
        session, rt=rt, principal=principal, challenge=challenge,
        method=f"code:{challenge.channel}",
    )  # fmt: skip


async def finish_login(
    session: AsyncSession,
    *,
    rt: Runtime,
    principal: Principal,
    challenge: LoginChallenge,
    method: str,
) -> OpenedSession:
    """The second factor is good: spend the challenge, reset the counter, open a session.
    A temporary password stops working here (the session must replace it)."""
    now = rt.clock.now()
    close(challenge, now=now, reason="used")
    row = principal.row
    must_change = row.must_change_password
    reset_after_success(row, now)
    if must_change:
        spend_password(row)
    await record_event(
        session, rt=rt, principal=principal, event=AuthEvent.LOGIN, allowed=True, detail=method
    )
    return await open_session(session, rt=rt, principal=principal, must_change_password=must_change)
