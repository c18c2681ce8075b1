"""Passkeys (WebAuthn): an account that enrolled one may present it instead of the
one-time code, after its password. User verification (PIN or biometrics on the device)
is required, so the passkey is a real factor; the signature counter catches clones.

The relying party is the service's public base URL: its host is the RP id, its origin
the expected origin. Ceremony challenges live on ``login_challenge`` rows, like codes.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from dmp.auth.accounts import AuthEvent, Principal, get_account, principal_of, record_event
from dmp.auth.lockout import locked_error, refusal, register_failure
from dmp.auth.login import challenge_principal, finish_login
from dmp.auth.login_errors import (
    AccountAlreadyExists,
    AccountNotFound,
    ChallengeExpired,
    NoPasskey,
    PasskeyNotStarted,
    PasskeyRefused,
    PasswordChangeRequired,
    SessionExpired,
)
from dmp.auth.models import WebauthnCredential
from dmp.auth.otp import Purpose, close, load_open_challenge, open_challenge
from dmp.auth.sessions import OpenedSession, SessionView
from dmp.kit.ids import new_id
from dmp.runtime import Runtime

# Malformed JSON from a client ends up as one of these inside the library.
_REFUSALS = (WebAuthnException, ValueError, KeyError, TypeError)


@dataclass(frozen=True, slots=True)
class PasskeyOptions:
    """What the browser passes to ``navigator.credentials.create/get``."""

    challenge_id: uuid.UUID
    options: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PasskeyInfo:
    id: uuid.UUID
    label: str
    created_at: datetime
    last_used_at: datetime | None


def relying_party(rt: Runtime) -> tuple[str, str]:
    """(RP id, origin) from the public base URL."""
    url = urlsplit(rt.settings.public_base_url)
    return url.hostname or "localhost", f"{url.scheme}://{url.netloc}"


async def _principal(session: AsyncSession, view: SessionView) -> Principal:
    if view.must_change_password:
        raise PasswordChangeRequired()
    row = await get_account(session, kind=view.account_kind, account_id=view.account_id)
    principal = await principal_of(session, row) if row is not None else None
    if principal is None:
        raise SessionExpired()
    return principal


async def _credentials(session: AsyncSession, principal: Principal) -> list[WebauthnCredential]:
    query = select(WebauthnCredential).where(
        WebauthnCredential.account_kind == principal.kind.value,
        WebauthnCredential.account_id == principal.account_id,
    )
    return list((await session.execute(query.order_by(WebauthnCredential.created_at))).scalars())


def _info(row: WebauthnCredential) -> PasskeyInfo:
    return PasskeyInfo(row.id, row.label, row.created_at, row.last_used_at)


async def begin_passkey_enrolment(
    session: AsyncSession, *, rt: Runtime, view: SessionView
) -> PasskeyOptions:
    principal = await _principal(session, view)
    challenge = await open_challenge(
        session, rt=rt, purpose=Purpose.PASSKEY_ENROLMENT, kind=principal.kind,
        account_id=principal.account_id,
    )  # fmt: skip
    challenge.webauthn_challenge = secrets.token_bytes(32)
    rp_id, _ = relying_party(rt)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rt.settings.webauthn_rp_name,
        # The user handle is the account id: no personal data is given to the device.
        user_id=principal.account_id.bytes,
        user_name=principal.identifier,
        user_display_name=principal.actor.display_name or principal.identifier,
        challenge=challenge.webauthn_challenge,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=c.credential_id)
            for c in await _credentials(session, principal)
        ],
    )
    await session.flush()
    return PasskeyOptions(challenge.id, json.loads(options_to_json(options)))


async def complete_passkey_enrolment(
    session: AsyncSession,
    *,
    rt: Runtime,
    view: SessionView,
    challenge_id: uuid.UUID,
    credential: dict[str, Any],
    label: str,
) -> PasskeyInfo:
    principal = await _principal(session, view)
    challenge = await load_open_challenge(
        session, rt=rt, challenge_id=challenge_id, purpose=Purpose.PASSKEY_ENROLMENT
    )
    if challenge.account_id != principal.account_id or challenge.webauthn_challenge is None:
        raise ChallengeExpired()
    rp_id, origin = relying_party(rt)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge.webauthn_challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except _REFUSALS as exc:
        raise PasskeyRefused() from exc
    taken = await session.scalar(
        select(WebauthnCredential.id).where(
            WebauthnCredential.credential_id == verified.credential_id
        )
    )
    if taken is not None:
        raise AccountAlreadyExists(detail="cette clé d'accès")
    now = rt.clock.now()
    row = WebauthnCredential(
        id=new_id(),
        account_kind=principal.kind.value,
        account_id=principal.account_id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        label=label.strip()[:100] or "Clé d'accès",
        backed_up=verified.credential_backed_up,
        created_at=now,
    )
    session.add(row)
    close(challenge, now=now, reason="used")
    await session.flush()
    await record_event(
        session, rt=rt, principal=principal, event=AuthEvent.PASSKEY_ENROLLED, allowed=True
    )
    return _info(row)


async def list_passkeys(session: AsyncSession, *, view: SessionView) -> list[PasskeyInfo]:
    principal = await _principal(session, view)
    return [_info(row) for row in await _credentials(session, principal)]


async def remove_passkey(
    session: AsyncSession, *, rt: Runtime, view: SessionView, passkey_id: uuid.UUID
) -> None:
    principal = await _principal(session, view)
    row = next((c for c in await _credentials(session, principal) if c.id == passkey_id), None)
    if row is None:
        raise AccountNotFound(detail="clé d'accès")
    await session.delete(row)
    await record_event(
        session, rt=rt, principal=principal, event=AuthEvent.PASSKEY_REMOVED, allowed=True
    )


async def begin_passkey_login(
    session: AsyncSession, *, rt: Runtime, challenge_id: uuid.UUID
) -> PasskeyOptions:
    """After the password: options to sign with one of the account's passkeys."""
    principal, challenge = await challenge_principal(session, rt=rt, challenge_id=challenge_id)
    credentials = await _credentials(session, principal)
    if not credentials:
        raise NoPasskey()
    challenge.webauthn_challenge = secrets.token_bytes(32)
    rp_id, _ = relying_party(rt)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge.webauthn_challenge,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c.credential_id) for c in credentials],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    await session.flush()
    return PasskeyOptions(challenge.id, json.loads(options_to_json(options)))


async def complete_passkey_login(
    session: AsyncSession, *, rt: Runtime, challenge_id: uuid.UUID, credential: dict[str, Any]
) -> OpenedSession:
    """Checks the passkey's signature in place of a code; a refusal counts toward the
    lockout like a wrong code."""
    principal, challenge = await challenge_principal(session, rt=rt, challenge_id=challenge_id)
    if challenge.webauthn_challenge is None:
        raise PasskeyNotStarted()
    try:
        presented = parse_authentication_credential_json(json.dumps(credential))
        stored = next(
            c for c in await _credentials(session, principal) if c.credential_id == presented.raw_id
        )
        rp_id, origin = relying_party(rt)
        verified = verify_authentication_response(
            credential=presented,
            expected_challenge=challenge.webauthn_challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
            require_user_verification=True,
        )
    except (*_REFUSALS, StopIteration) as exc:
        challenge.webauthn_challenge = None  # one signature per challenge, good or bad
        if await register_failure(
            session, rt=rt, principal=principal, event=AuthEvent.PASSKEY_REFUSED
        ):
            raise locked_error(rt) from exc
        raise refusal(PasskeyRefused()) from exc
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = rt.clock.now()
    return await finish_login(
        session, rt=rt, principal=principal, challenge=challenge,
        method=f"passkey:{bytes_to_base64url(stored.credential_id)[:16]}",
    )  # fmt: skip
