"""Administrative data: optional contact channels, emergency contacts, emergency consents."""

from __future__ import annotations

import pytest

from dmp.dossiers import errors
from dmp.dossiers.administration import (
    read_administrative_data,
    set_emergency_consents,
    update_contact,
)
from dmp.dossiers.models import Dossier
from dmp.dossiers.schemas import Contact, EmergencyContact
from dmp.errors import AccessDenied
from tests.builders.actors import counter_agent, patient, professional
from tests.builders.dossiers import a_dossier, adult_request


async def test_a_dossier_can_exist_without_any_contact_channel(session, rt):
    created = await a_dossier(session, rt, request=adult_request(contact=Contact()))
    data = await read_administrative_data(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id
    )
    assert data.contact.email is None and data.contact.mobile is None


async def test_the_holder_records_contacts_and_people_to_call(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    contact = Contact(
        email="j.martin@example.org",
        mobile="06 12 34 56 78",
        emergency_contacts=[
            EmergencyContact(name="Paul Martin", relation="frère", phone="0102030405")
        ],
    )
    await update_contact(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, contact=contact
    )
    data = await read_administrative_data(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id
    )
    assert data.contact.mobile == "0612345678"
    assert data.contact.emergency_contacts[0].name == "Paul Martin"
    assert data.identity["family_name"] == "Martin"


def test_a_malformed_mobile_number_is_refused():
    with pytest.raises(ValueError, match="mobile"):
        Contact(mobile="01 23")


async def test_oppositions_to_break_glass_and_regulation_are_recorded(session, rt):
    created = await a_dossier(session, rt)
    await set_emergency_consents(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        btg=False,
        etreat=False,
        masked=False,
    )
    dossier = await session.get(Dossier, created.dossier_id)
    assert (dossier.btg_consent, dossier.etreat_consent) == (False, False)


async def test_masked_emergency_access_needs_break_glass_or_regulation(session, rt):
    created = await a_dossier(session, rt)
    with pytest.raises(errors.MaskedConsentNeedsEmergency):
        await set_emergency_consents(
            session,
            rt=rt,
            actor=patient(created.dossier_id),
            dossier_id=created.dossier_id,
            btg=False,
            etreat=False,
            masked=True,
        )
    assert (await session.get(Dossier, created.dossier_id)).masked_consent is False


async def test_counter_agents_and_unrelated_professionals_read_no_administrative_data(session, rt):
    created = await a_dossier(session, rt)
    for actor in (counter_agent(), professional("810000000026")):
        with pytest.raises(AccessDenied):
            await read_administrative_data(
                session, rt=rt, actor=actor, dossier_id=created.dossier_id
            )
