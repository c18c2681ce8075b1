"""Portal accounts outside any dossier: professionals (an e-CPS-style login: national
id, password, one-time code) and counter or support agents. Enrolment is done by the
operator or support (CLI, demo, tests); the login is the same as the patients'."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth import password_policy
from dmp.auth.accounts import (
    AccountKind,
    AuthEvent,
    Channel,
    find_account,
    password_context_of,
    principal_of,
    record_event,
)
from dmp.auth.credentials import PORTAL_ADMINISTRATORS
from dmp.auth.login import LoginStarted, begin_login
from dmp.auth.login_errors import AccountNotFound
from dmp.auth.models import AgentAccount, ProfessionalAccount
from dmp.crypto.passwords import hash_password, new_initial_password
from dmp.dossiers.schemas import Contact
from dmp.errors import AccessDenied, InvalidInput
from dmp.identity.models import Professional
from dmp.identity.national_id import parse_national_id
from dmp.kit.ids import new_id
from dmp.policy import Actor, ActorKind, Reason
from dmp.runtime import Runtime

AGENT_KINDS = frozenset({ActorKind.COUNTER_AGENT, ActorKind.SUPPORT})


@dataclass(frozen=True, slots=True)
class EnrolledAccount:
    identifier: str
    created: bool
    # Set when no password was given: temporary, to be changed at first login.
    temporary_password: str | None


def _require_administrator(actor: Actor) -> None:
    if actor.kind not in PORTAL_ADMINISTRATORS:
        raise AccessDenied(reason=Reason.ACTION_NOT_PERMITTED.value, action="auth:account:enrol")


def _channels(email: str | None, mobile: str | None) -> Contact:
    try:
        return Contact(email=email or None, mobile=mobile or None)
    except ValidationError as exc:
        raise InvalidInput(detail="; ".join(str(e["msg"]) for e in exc.errors())) from exc


async def enrol_professional(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    national_id: str,
    email: str | None = None,
    mobile: str | None = None,
    password: str | None = None,
) -> EnrolledAccount:
    """Creates (or resets) the portal account of a professional of the directory. With
    ``password`` (demo, tests) it must pass the rules; without, a temporary one is made."""
    _require_administrator(actor)
    national_id = parse_national_id(national_id)
    if await session.get(Professional, national_id) is None:
        raise AccountNotFound(detail=f"{national_id} absent de l'annuaire des professionnels")
    contact = _channels(email, mobile)
    row = await find_account(
        session, kind=AccountKind.PROFESSIONAL, identifier=national_id, lock=True
    )
    created = row is None
    if row is None:
        row = ProfessionalAccount(
            id=new_id(), national_id=national_id, failed_attempts=0, created_at=rt.clock.now()
        )
        session.add(row)
    assert isinstance(row, ProfessionalAccount)
    row.email, row.mobile = contact.email, contact.mobile
    return await _set_password(
        session, rt=rt, actor=actor, row=row, password=password, created=created
    )


async def enrol_agent(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    login_id: str,
    kind: ActorKind,
    display_name: str,
    structure: str | None = None,
    email: str | None = None,
    mobile: str | None = None,
    password: str | None = None,
) -> EnrolledAccount:
    """Creates (or resets) a counter agent's or support agent's portal account."""
    _require_administrator(actor)
    if kind not in AGENT_KINDS:
        raise InvalidInput(detail="un agent est « counter_agent » ou « support »")
    login_id = "".join(login_id.split())
    if not login_id or len(login_id) > 64:
        raise InvalidInput(detail="identifiant d'agent vide ou trop long")
    contact = _channels(email, mobile)
    row = (
        await session.execute(
            select(AgentAccount).where(AgentAccount.login_id == login_id).with_for_update()
        )
    ).scalar_one_or_none()
    created = row is None
    if row is None:
        row = AgentAccount(
            id=new_id(), login_id=login_id, failed_attempts=0, created_at=rt.clock.now()
        )
        session.add(row)
    row.kind, row.display_name, row.structure = kind.value, display_name, structure
    row.email, row.mobile = contact.email, contact.mobile
    return await _set_password(
        session, rt=rt, actor=actor, row=row, password=password, created=created
    )


async def _set_password(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    row: ProfessionalAccount | AgentAccount,
    password: str | None,
    created: bool,
) -> EnrolledAccount:
    row.failed_attempts, row.locked_until, row.disabled_at = 0, None, None
    principal = await principal_of(session, row)
    assert principal is not None
    temporary = None
    if password is None:
        temporary = new_initial_password()
        row.password_hash, row.must_change_password = hash_password(temporary), True
    else:
        password_policy.check_password(password, password_context_of(rt, principal))
        row.password_hash, row.must_change_password = hash_password(password), False
    await session.flush()
    await record_event(
        session, rt=rt, principal=principal, event=AuthEvent.ACCOUNT_ENROLLED, allowed=True,
        by=actor, detail="created" if created else "reset",
    )  # fmt: skip
    return EnrolledAccount(principal.identifier, created, temporary)


async def begin_professional_login(
    session: AsyncSession,
    *,
    rt: Runtime,
    national_id: str,
    password: str,
    channel: Channel | None = None,
) -> LoginStarted:
    return await begin_login(
        session, rt=rt, kind=AccountKind.PROFESSIONAL, identifier=national_id,
        password=password, channel=channel,
    )  # fmt: skip


async def begin_agent_login(
    session: AsyncSession,
    *,
    rt: Runtime,
    login_id: str,
    password: str,
    channel: Channel | None = None,
) -> LoginStarted:
    return await begin_login(
        session, rt=rt, kind=AccountKind.AGENT, identifier=login_id, password=password,
        channel=channel,
    )  # fmt: skip
