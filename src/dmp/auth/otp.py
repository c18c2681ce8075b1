"""One-time codes: six digits, valid ten minutes, usable once, stored only as a keyed
hash (HMAC under a key derived from the master key: a stolen table does not give the
codes away, however small the code space)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import AccountKind, Channel
from dmp.auth.delivery import (
    Notice,
    contact_code_notice,
    deliver_after_commit,
    login_code_notice,
)
from dmp.auth.login_errors import ChallengeExpired, TooManyCodes
from dmp.auth.models import LoginChallenge
from dmp.kit.ids import new_id
from dmp.runtime import Runtime

CODE_DIGITS = 6


class Purpose(StrEnum):
    LOGIN = "login"
    CONTACT_CHANGE = "contact_change"
    PASSKEY_ENROLMENT = "passkey_enrolment"


@dataclass(frozen=True, slots=True)
class ChannelOption:
    channel: Channel
    destination: str  # masked: "j•••@example.org", "06 •• •• •• 78"


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _code_key(rt: Runtime) -> bytes:
    return hmac.new(rt.settings.master_key_bytes, b"dmp/one-time-code/v1", hashlib.sha256).digest()


def hash_code(rt: Runtime, challenge_id: uuid.UUID, code: str) -> str:
    # Bound to the challenge: a code is worth nothing on another challenge.
    message = challenge_id.bytes + code.encode()
    return hmac.new(_code_key(rt), message, hashlib.sha256).hexdigest()


def code_matches(rt: Runtime, challenge: LoginChallenge, code: str) -> bool:
    if challenge.code_hash is None:
        return False
    candidate = "".join(code.split())
    if len(candidate) != CODE_DIGITS or not candidate.isdigit():
        candidate = "x"  # still compared, so a malformed code costs the same
    return hmac.compare_digest(hash_code(rt, challenge.id, candidate), challenge.code_hash)


def mask(channel: Channel, destination: str) -> str:
    """Enough for the person to recognise their channel, not enough to learn it."""
    if channel is Channel.EMAIL:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}•••@{domain}"
    digits = "".join(c for c in destination if c.isdigit())
    return f"{digits[:2]} •• •• •• {digits[-2:]}"


def validity(rt: Runtime) -> timedelta:
    return timedelta(minutes=rt.settings.otp_validity_minutes)


async def open_challenge(
    session: AsyncSession,
    *,
    rt: Runtime,
    purpose: Purpose,
    kind: AccountKind,
    account_id: uuid.UUID,
    payload_ct: bytes | None = None,
) -> LoginChallenge:
    now = rt.clock.now()
    challenge = LoginChallenge(
        id=new_id(),
        purpose=purpose.value,
        account_kind=kind.value,
        account_id=account_id,
        payload_ct=payload_ct,
        sends=0,
        created_at=now,
        expires_at=now + validity(rt),
    )
    session.add(challenge)
    await session.flush()
    return challenge


async def send_code(
    session: AsyncSession,
    *,
    rt: Runtime,
    challenge: LoginChallenge,
    channel: Channel,
    destination: str,
) -> datetime:
    """Draws a fresh code (any previous one of the challenge stops working), restarts the
    validity period and queues the delivery. Returns the new expiry."""
    if challenge.sends >= rt.settings.otp_max_sends:
        raise TooManyCodes()
    now = rt.clock.now()
    code = new_code()
    challenge.code_hash = hash_code(rt, challenge.id, code)
    challenge.channel = channel.value
    challenge.sends += 1
    challenge.expires_at = now + validity(rt)
    await session.flush()
    notice = _notice(challenge, code, rt.settings.otp_validity_minutes, channel)
    deliver_after_commit(session, rt=rt, channel=channel, destination=destination, notice=notice)
    return challenge.expires_at


def _notice(challenge: LoginChallenge, code: str, minutes: int, channel: Channel) -> Notice:
    if challenge.purpose == Purpose.CONTACT_CHANGE.value:
        return contact_code_notice(code, minutes, channel)
    return login_code_notice(code, minutes)


async def load_open_challenge(
    session: AsyncSession, *, rt: Runtime, challenge_id: uuid.UUID, purpose: Purpose
) -> LoginChallenge:
    """The challenge, locked for this transaction, if it can still be answered. Unknown,
    closed and expired challenges get the same answer."""
    challenge = (
        await session.execute(
            select(LoginChallenge)
            .where(LoginChallenge.id == challenge_id, LoginChallenge.purpose == purpose.value)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if challenge is None or challenge.closed_at is not None:
        raise ChallengeExpired()
    if challenge.expires_at <= rt.clock.now():
        raise ChallengeExpired()
    return challenge


def close(challenge: LoginChallenge, *, now: datetime, reason: str) -> None:
    challenge.closed_at = now
    challenge.closed_reason = reason
