"""Administrative data of a dossier: identity and contact channels (encrypted), people to
call in an emergency, emergency consents (oppositions to break-glass and to regulation)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.crypto import DataKey
from dmp.dossiers import errors
from dmp.dossiers.models import Dossier
from dmp.dossiers.schemas import Contact, EmergencyContact
from dmp.dossiers.service import get_dossier
from dmp.dossiers.vault import open_json, seal_json
from dmp.policy import Action, Actor
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class AdministrativeData:
    identity: dict[str, Any]
    contact: Contact
    btg_consent: bool
    etreat_consent: bool
    masked_consent: bool
    legal_representative_doctor_only: bool
    status: str
    is_minor: bool
    # Channels the holder accepts notices on ({"email": bool, "sms": bool}).
    notification_preferences: dict[str, bool] = field(default_factory=dict)


def _data_key(rt: Runtime, dossier: Dossier) -> DataKey:
    if dossier.status == "purged":
        raise errors.DossierPurged()
    return rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))


async def read_administrative_data(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> AdministrativeData:
    dossier = await get_dossier(session, dossier_id)
    key = _data_key(rt, dossier)
    await enforce(session, rt=rt, actor=actor, action=Action.DOSSIER_ADMIN_READ, dossier=dossier)
    return AdministrativeData(
        identity=open_json(key, dossier.id, "identity", dossier.identity_ct),
        contact=Contact.model_validate(open_json(key, dossier.id, "contact", dossier.contact_ct)),
        btg_consent=dossier.btg_consent,
        etreat_consent=dossier.etreat_consent,
        masked_consent=dossier.masked_consent,
        legal_representative_doctor_only=dossier.legal_representative_doctor_only,
        status=dossier.status,
        is_minor=dossier.is_minor,
        notification_preferences=preferences_of(dossier),
    )


async def update_contact(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, contact: Contact
) -> None:
    """Replaces the contact channels and emergency contacts (all optional)."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    key = _data_key(rt, dossier)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOSSIER_ADMIN_UPDATE,
        dossier=dossier,
        target="contact",
    )
    dossier.contact_ct = seal_json(key, dossier.id, "contact", contact.model_dump(mode="json"))
    dossier.version += 1
    await session.flush()


async def set_emergency_consents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    btg: bool,
    etreat: bool,
    masked: bool,
) -> None:
    """BTG (break-glass) and ETREAT (SAMU regulation) may be refused; MASKED (emergency
    access to masked documents) can only be on while one of them is on."""
    if masked and not (btg or etreat):
        raise errors.MaskedConsentNeedsEmergency()
    dossier = await get_dossier(session, dossier_id, lock=True)
    await enforce(
        session, rt=rt, actor=actor, action=Action.EMERGENCY_CONSENTS_MANAGE, dossier=dossier
    )
    dossier.btg_consent = btg
    dossier.etreat_consent = etreat
    dossier.masked_consent = masked
    dossier.version += 1
    await session.flush()


NOTIFICATION_CHANNELS = ("email", "sms")


def preferences_of(dossier: Dossier) -> dict[str, bool]:
    """Every channel is on unless the holder turned it off."""
    stored = dossier.notification_preferences or {}
    return {channel: bool(stored.get(channel, True)) for channel in NOTIFICATION_CHANNELS}


async def set_notification_preferences(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    email: bool,
    sms: bool,
) -> dict[str, bool]:
    """Which channels carry the notices (new access, break-glass…). One-time login codes
    are not notices: they always go to the channel the person picks at login."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOSSIER_ADMIN_UPDATE,
        dossier=dossier,
        target="notification-preferences",
    )
    # A new dict: the JSON column is not mutation-tracked.
    dossier.notification_preferences = {"email": email, "sms": sms}
    dossier.version += 1
    await session.flush()
    return preferences_of(dossier)


async def set_emergency_contacts(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    contacts: list[EmergencyContact],
) -> None:
    """Replaces the people to call in an emergency and nothing else of the contact record
    (the e-mail and mobile that receive codes change only through a confirmed code)."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    key = _data_key(rt, dossier)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOSSIER_ADMIN_UPDATE,
        dossier=dossier,
        target="emergency-contacts",
    )
    current = Contact.model_validate(open_json(key, dossier.id, "contact", dossier.contact_ct))
    updated = current.model_copy(update={"emergency_contacts": list(contacts)})
    # Validated as a whole again: the list keeps its maximum length.
    Contact.model_validate(updated.model_dump())
    dossier.contact_ct = seal_json(key, dossier.id, "contact", updated.model_dump(mode="json"))
    dossier.version += 1
    await session.flush()
