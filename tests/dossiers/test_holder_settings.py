"""What the patient portal reads and sets on its own dossier: the standing shown on
every page, notification channels, the people to call in an emergency."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from dmp.audit.models import Trace
from dmp.dossiers.administration import (
    read_administrative_data,
    set_emergency_contacts,
    set_notification_preferences,
)
from dmp.dossiers.holder import holder_standing
from dmp.dossiers.schemas import ClosureReason, Contact, EmergencyContact
from dmp.dossiers.service import close_dossier
from dmp.errors import AccessDenied
from dmp.policy import DossierStatus
from tests.builders.actors import counter_agent, patient, professional, representative
from tests.builders.dossiers import a_dossier, adult_request, minor_request


async def _traces(session) -> int:
    return len((await session.execute(select(Trace))).scalars().all())


async def test_the_standing_tells_the_holder_side_its_dossier_state_without_a_trace(session, rt):
    created = await a_dossier(session, rt)
    before = await _traces(session)
    standing = await holder_standing(session, rt=rt, actor=patient(created.dossier_id))
    assert standing.status is DossierStatus.ACTIVE and standing.active
    assert standing.closed_at is None and not standing.is_minor
    assert await _traces(session) == before
    await close_dossier(
        session, rt=rt, actor=counter_agent(), dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )  # fmt: skip
    closed = await holder_standing(session, rt=rt, actor=patient(created.dossier_id))
    assert closed.status is DossierStatus.CLOSED and closed.purge_after is not None


async def test_the_standing_is_refused_to_anyone_else(session, rt):
    created = await a_dossier(session, rt, request=minor_request())
    standing = await holder_standing(session, rt=rt, actor=representative(created.dossier_id))
    assert standing.is_minor and standing.majority_on is not None
    with pytest.raises(AccessDenied):
        await holder_standing(session, rt=rt, actor=professional())
    with pytest.raises(AccessDenied):
        await holder_standing(session, rt=rt, actor=counter_agent())


async def test_notification_channels_default_on_and_are_switched_by_the_holder(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    data = await read_administrative_data(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id
    )
    assert data.notification_preferences == {"email": True, "sms": True}
    saved = await set_notification_preferences(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, email=True, sms=False
    )
    assert saved == {"email": True, "sms": False}
    data = await read_administrative_data(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id
    )
    assert data.notification_preferences == {"email": True, "sms": False}
    with pytest.raises(AccessDenied):
        await set_notification_preferences(
            session, rt=rt, actor=counter_agent(), dossier_id=created.dossier_id,
            email=False, sms=False,
        )  # fmt: skip


async def test_emergency_contacts_change_without_touching_the_code_channels(session, rt):
    request = adult_request(contact=Contact(email="j.martin@example.org", mobile="0611223344"))
    created = await a_dossier(session, rt, request=request)
    holder = patient(created.dossier_id)
    people = [EmergencyContact(name="Paul Martin", relation="frère", phone="0102030405")]
    await set_emergency_contacts(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, contacts=people
    )
    data = await read_administrative_data(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id
    )
    assert data.contact.emergency_contacts == people
    assert (data.contact.email, data.contact.mobile) == ("j.martin@example.org", "0611223344")
    with pytest.raises(ValidationError):
        await set_emergency_contacts(
            session, rt=rt, actor=holder, dossier_id=created.dossier_id, contacts=people * 11
        )
    with pytest.raises(AccessDenied):
        await set_emergency_contacts(
            session, rt=rt, actor=professional(), dossier_id=created.dossier_id, contacts=[]
        )
