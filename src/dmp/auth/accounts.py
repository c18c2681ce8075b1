"""The three kinds of people's accounts behind one login: patients and legal
representatives (``patient_account``), professionals on the portal
(``professional_account``), counter and support agents (``agent_account``).

A ``Principal`` is a loaded account with the ``Actor`` it becomes. Events about a patient
account are traced on its dossier's chain; the others go to ``security_event``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.audit.service import record_trace
from dmp.auth.models import AgentAccount, ProfessionalAccount, SecurityEvent
from dmp.auth.password_policy import PasswordContext
from dmp.crypto import DataKey
from dmp.dossiers.models import Dossier, LegalRepresentative, PatientAccount
from dmp.dossiers.vault import open_json
from dmp.identity.models import Professional
from dmp.kit.ids import new_id
from dmp.policy import Actor, ActorKind, Decision, DossierStatus, Reason
from dmp.runtime import Runtime


class AccountKind(StrEnum):
    PATIENT = "patient"  # holder or legal representative
    PROFESSIONAL = "professional"
    AGENT = "agent"  # counter agent or support


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class AuthEvent(StrEnum):
    """Trace actions of authentication (the trace's ``target`` says more). The names
    mention passwords; ``noqa: S105`` marks them as labels, not secrets."""

    LOGIN = "auth:login"
    PASSWORD_REFUSED = "auth:login:password-refused"  # noqa: S105
    CODE_REFUSED = "auth:login:code-refused"
    REFUSED_WHILE_LOCKED = "auth:login:refused-locked"
    TEMPORARY_PASSWORD_SPENT = "auth:login:temporary-password-spent"  # noqa: S105
    NO_CODE_CHANNEL = "auth:login:no-code-channel"
    ACCOUNT_LOCKED = "auth:account:locked"
    ACCOUNT_UNLOCKED = "auth:account:unlocked"
    PASSWORD_CHANGED = "auth:password:changed"  # noqa: S105
    CURRENT_PASSWORD_REFUSED = "auth:password:current-refused"  # noqa: S105
    CREDENTIALS_REISSUED = "auth:credentials:reissued"
    UNKNOWN_IDENTIFIER = "auth:login:unknown-identifier"
    UNKNOWN_IDENTIFIER_LOCKED = "auth:login:unknown-identifier-locked"
    ACCOUNT_ENROLLED = "auth:account:enrolled"
    PASSKEY_ENROLLED = "auth:passkey:enrolled"
    PASSKEY_REMOVED = "auth:passkey:removed"
    PASSKEY_REFUSED = "auth:login:passkey-refused"


AccountRow = PatientAccount | ProfessionalAccount | AgentAccount
_MODELS: dict[AccountKind, type[AccountRow]] = {
    AccountKind.PATIENT: PatientAccount,
    AccountKind.PROFESSIONAL: ProfessionalAccount,
    AccountKind.AGENT: AgentAccount,
}


@dataclass(frozen=True, slots=True)
class Principal:
    kind: AccountKind
    row: AccountRow
    actor: Actor
    dossier: Dossier | None = None
    representative: LegalRepresentative | None = None
    directory_entry: Professional | None = None

    @property
    def account_id(self) -> uuid.UUID:
        return self.row.id

    @property
    def identifier(self) -> str:
        if isinstance(self.row, ProfessionalAccount):
            return self.row.national_id
        return self.row.login_id


def normalize_identifier(identifier: str, kind: AccountKind = AccountKind.PATIENT) -> str:
    """Login ids are read off a letter: spaces and dots people type are dropped. Agents'
    ids are chosen by their organisation and may hold dots ("guichet.cpam75"): only
    spaces are dropped from them."""
    compact = "".join(identifier.split())
    if kind is AccountKind.AGENT:
        return compact[:64]
    return compact.replace(".", "")[:64]


async def find_account(
    session: AsyncSession, *, kind: AccountKind, identifier: str, lock: bool = False
) -> AccountRow | None:
    model = _MODELS[kind]
    column = model.national_id if model is ProfessionalAccount else model.login_id  # type: ignore[union-attr]
    query: Any = select(model).where(column == normalize_identifier(identifier, kind))
    if lock:  # serialises concurrent guesses on one account: the counter cannot be raced
        query = query.with_for_update()
    row: AccountRow | None = (await session.execute(query)).scalar_one_or_none()
    return row


async def get_account(
    session: AsyncSession, *, kind: AccountKind, account_id: uuid.UUID, lock: bool = False
) -> AccountRow | None:
    model = _MODELS[kind]
    query: Any = select(model).where(model.id == account_id)
    if lock:
        query = query.with_for_update()
    row: AccountRow | None = (await session.execute(query)).scalar_one_or_none()
    return row


async def principal_of(session: AsyncSession, row: AccountRow) -> Principal | None:
    """The account as an actor, or None when it cannot log in at all (disabled, dossier
    purged, representative whose role ended, professional gone from the directory)."""
    if row.disabled_at is not None:
        return None
    if isinstance(row, PatientAccount):
        return await _patient_principal(session, row)
    if isinstance(row, ProfessionalAccount):
        entry = await session.get(Professional, row.national_id)
        if entry is None:
            return None
        actor = Actor(
            kind=ActorKind.PROFESSIONAL,
            id=entry.national_id,
            display_name=f"{entry.given_names} {entry.family_name}".strip(),
            profession=entry.profession_code,
            specialty=entry.specialty,
            structure=entry.structure_id,
        )
        return Principal(AccountKind.PROFESSIONAL, row, actor, directory_entry=entry)
    kind = ActorKind.SUPPORT if row.kind == ActorKind.SUPPORT.value else ActorKind.COUNTER_AGENT
    actor = Actor(
        kind=kind, id=row.login_id, display_name=row.display_name, structure=row.structure
    )
    return Principal(AccountKind.AGENT, row, actor)


async def _patient_principal(session: AsyncSession, row: PatientAccount) -> Principal | None:
    dossier = await session.get(Dossier, row.dossier_id)
    if dossier is None or dossier.status == DossierStatus.PURGED.value or not dossier.wrapped_key:
        return None
    representative = None
    kind = ActorKind.PATIENT
    if row.role == "legal_representative":
        kind = ActorKind.LEGAL_REPRESENTATIVE
        representative = await session.get(
            LegalRepresentative, (row.dossier_id, row.legal_representative_id)
        )
        if representative is None or representative.ended_at is not None:
            return None
    actor = Actor(kind=kind, id=str(row.id), dossier_id=str(row.dossier_id))
    return Principal(AccountKind.PATIENT, row, actor, dossier, representative)


def data_key_of(rt: Runtime, dossier: Dossier) -> DataKey:
    return rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))


def contact_of(rt: Runtime, principal: Principal) -> dict[str, Any]:
    """The decrypted contact record the codes go to (a representative has their own)."""
    dossier = principal.dossier
    if dossier is None:
        return {}
    key = data_key_of(rt, dossier)
    if principal.representative is not None:
        blob = principal.representative.contact_ct
        return open_json(key, dossier.id, "representative-contact", blob) or {}
    return open_json(key, dossier.id, "contact", dossier.contact_ct) or {}


def channels_of(rt: Runtime, principal: Principal) -> dict[Channel, str]:
    """Where a one-time code can go, in clear: e-mail and/or mobile on file."""
    if isinstance(principal.row, PatientAccount):
        contact = contact_of(rt, principal)
        email, mobile = contact.get("email"), contact.get("mobile")
    else:
        email, mobile = principal.row.email, principal.row.mobile
    channels: dict[Channel, str] = {}
    if email:
        channels[Channel.EMAIL] = str(email)
    if mobile:
        channels[Channel.SMS] = str(mobile)
    return channels


def password_context_of(rt: Runtime, principal: Principal) -> PasswordContext:
    names: list[str] = []
    births: list[date] = []
    if principal.dossier is not None:
        dossier = principal.dossier
        key = data_key_of(rt, dossier)
        identity = open_json(key, dossier.id, "identity", dossier.identity_ct) or {}
        names += [identity.get("family_name", ""), identity.get("given_names", "")]
        if identity.get("birth_date"):
            births.append(date.fromisoformat(identity["birth_date"]))
        if principal.representative is not None:
            own = open_json(key, dossier.id, "representative", principal.representative.identity_ct)
            names += [(own or {}).get("family_name", ""), (own or {}).get("given_names", "")]
    if principal.directory_entry is not None:
        names += [principal.directory_entry.family_name, principal.directory_entry.given_names]
    if isinstance(principal.row, AgentAccount):
        names.append(principal.row.display_name)
    return PasswordContext(
        login_id=principal.identifier,
        names=tuple(n for n in names if n),
        birth_dates=tuple(births),
    )


async def record_event(
    session: AsyncSession,
    *,
    rt: Runtime,
    principal: Principal,
    event: AuthEvent,
    allowed: bool,
    detail: str | None = None,
    by: Actor | None = None,
) -> None:
    """Traces on the dossier's chain for patient accounts, else a security event.
    ``by`` is who acted when it is not the account holder (support, operator)."""
    actor = by or principal.actor
    if principal.dossier is not None:
        reason = Reason.ALLOWED if allowed else Reason.ACTION_NOT_PERMITTED
        await record_trace(
            session,
            dossier_id=principal.dossier.id,
            actor=actor,
            action=event.value,
            decision=Decision(allowed, reason),
            at=rt.clock.now(),
            target=detail,
        )
        return
    session.add(
        SecurityEvent(
            id=new_id(),
            at=rt.clock.now(),
            kind=event.value,
            account_kind=principal.kind.value,
            account_id=principal.account_id,
            actor_kind=actor.kind.value,
            actor_id=actor.id[:64],
            detail=detail,
        )
    )
    await session.flush()
