"""Patients and legal representatives: their login (identifier from the secrets letter,
password, one-time code) and the change of the e-mail or mobile that receives the codes,
confirmed by a code sent to the new channel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.auth.accounts import (
    AccountKind,
    Channel,
    Principal,
    contact_of,
    data_key_of,
    get_account,
    principal_of,
)
from dmp.auth.delivery import contact_changed_notice, deliver_after_commit
from dmp.auth.lockout import close_open_challenges, refusal
from dmp.auth.login import LoginStarted, begin_login
from dmp.auth.login_errors import (
    ChallengeExpired,
    CodeIncorrect,
    PasswordChangeRequired,
    SessionExpired,
    WrongPortal,
)
from dmp.auth.otp import Purpose, close, code_matches, load_open_challenge, mask, open_challenge
from dmp.auth.otp import send_code as send_otp
from dmp.auth.sessions import SessionView
from dmp.dossiers.schemas import Contact
from dmp.dossiers.vault import open_json, seal_json
from dmp.errors import InvalidInput
from dmp.policy import Action
from dmp.runtime import Runtime

CONTACT_FIELDS = {Channel.EMAIL: "email", Channel.SMS: "mobile"}


@dataclass(frozen=True, slots=True)
class ContactChangeStarted:
    challenge_id: uuid.UUID
    channel: Channel
    destination: str  # masked
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AccountContact:
    """Where the signed-in account's codes go (a legal representative's own channels)."""

    email: str | None
    mobile: str | None


async def begin_patient_login(
    session: AsyncSession,
    *,
    rt: Runtime,
    login_id: str,
    password: str,
    channel: Channel | None = None,
) -> LoginStarted:
    return await begin_login(
        session,
        rt=rt,
        kind=AccountKind.PATIENT,
        identifier=login_id,
        password=password,
        channel=channel,
    )


async def _patient_principal(session: AsyncSession, view: SessionView) -> Principal:
    if view.account_kind is not AccountKind.PATIENT:
        raise WrongPortal(audience="patients et représentants légaux")
    if view.must_change_password:
        raise PasswordChangeRequired()
    row = await get_account(session, kind=AccountKind.PATIENT, account_id=view.account_id)
    principal = await principal_of(session, row) if row is not None else None
    if principal is None or principal.dossier is None:
        raise SessionExpired()
    return principal


def _normalized(channel: Channel, value: str) -> str:
    """Validated like every contact of the dossier (e-mail syntax, French mobile)."""
    try:
        contact = Contact.model_validate({CONTACT_FIELDS[channel]: value})
    except ValidationError as exc:
        detail = "; ".join(str(e["msg"]) for e in exc.errors())
        raise InvalidInput(detail=detail) from exc
    normalized = getattr(contact, CONTACT_FIELDS[channel])
    if not normalized:
        raise InvalidInput(detail="coordonnée vide")
    return str(normalized)


async def request_contact_change(
    session: AsyncSession, *, rt: Runtime, view: SessionView, channel: Channel, value: str
) -> ContactChangeStarted:
    """Sends a confirmation code to the NEW e-mail or mobile; nothing changes until the
    code comes back. A newer request supersedes a pending one."""
    principal = await _patient_principal(session, view)
    destination = _normalized(channel, value)
    await close_open_challenges(
        session, kind=AccountKind.PATIENT, account_id=principal.account_id,
        now=rt.clock.now(), reason="superseded", purpose=Purpose.CONTACT_CHANGE.value,
    )  # fmt: skip
    challenge = await open_challenge(
        session, rt=rt, purpose=Purpose.CONTACT_CHANGE, kind=AccountKind.PATIENT,
        account_id=principal.account_id,
    )  # fmt: skip
    dossier = principal.dossier
    assert dossier is not None
    challenge.payload_ct = seal_json(
        data_key_of(rt, dossier), dossier.id, f"contact-change:{challenge.id}",
        {"channel": channel.value, "value": destination},
    )  # fmt: skip
    expires_at = await send_otp(
        session, rt=rt, challenge=challenge, channel=channel, destination=destination
    )
    return ContactChangeStarted(challenge.id, channel, mask(channel, destination), expires_at)


async def confirm_contact_change(
    session: AsyncSession, *, rt: Runtime, view: SessionView, challenge_id: uuid.UUID, code: str
) -> Channel:
    """Records the new channel once its code is confirmed; the former channel is told."""
    principal = await _patient_principal(session, view)
    challenge = await load_open_challenge(
        session, rt=rt, challenge_id=challenge_id, purpose=Purpose.CONTACT_CHANGE
    )
    if challenge.account_id != principal.account_id:
        raise ChallengeExpired()  # someone else's challenge: as if it did not exist
    now = rt.clock.now()
    if not code_matches(rt, challenge, code):
        challenge.failures += 1
        if challenge.failures >= rt.settings.login_max_failures:
            close(challenge, now=now, reason="locked")
        await session.flush()
        raise refusal(CodeIncorrect())
    dossier = principal.dossier
    assert dossier is not None
    key = data_key_of(rt, dossier)
    payload = open_json(key, dossier.id, f"contact-change:{challenge.id}", challenge.payload_ct)
    channel = Channel(payload["channel"])
    await enforce(
        session, rt=rt, actor=principal.actor, action=Action.DOSSIER_ADMIN_UPDATE,
        dossier=dossier, target=f"contact:{channel.value}",
    )  # fmt: skip
    contact = contact_of(rt, principal)
    former = contact.get(CONTACT_FIELDS[channel])
    contact[CONTACT_FIELDS[channel]] = payload["value"]
    if principal.representative is not None:
        principal.representative.contact_ct = seal_json(
            key, dossier.id, "representative-contact", contact
        )
    else:
        dossier.contact_ct = seal_json(key, dossier.id, "contact", contact)
        dossier.version += 1
    close(challenge, now=now, reason="used")
    challenge.payload_ct = None  # the new value now lives in the contact record only
    await session.flush()
    if former and former != payload["value"]:
        deliver_after_commit(
            session, rt=rt, channel=channel, destination=str(former),
            notice=contact_changed_notice(channel, now),
        )  # fmt: skip
    return channel


async def account_contact(
    session: AsyncSession, *, rt: Runtime, view: SessionView
) -> AccountContact:
    """The e-mail and mobile on file for the session's own account, in clear, for its
    owner's "Mes informations" page: the dossier's own for the holder, the
    representative's for a legal representative."""
    principal = await _patient_principal(session, view)
    contact = contact_of(rt, principal)
    email, mobile = contact.get("email"), contact.get("mobile")
    return AccountContact(str(email) if email else None, str(mobile) if mobile else None)
