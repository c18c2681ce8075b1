"""Which events are notified, to whom, on which channels: creation, first access,
break-glass, regulation, contact and password changes, closure and reactivation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dmp.auth.accounts import principal_of
from dmp.auth.delivery import notify_password_changed
from dmp.db.uow import unit_of_work
from dmp.documents.reading import read_document
from dmp.dossiers.administration import update_contact
from dmp.dossiers.models import Dossier, PatientAccount
from dmp.dossiers.schemas import ClosureReason, ConsentIn, Contact
from dmp.dossiers.service import close_dossier, reactivate_dossier
from dmp.notifications import hooks
from dmp.notifications.delivery import deliver_due
from tests.builders.access import in_break_glass
from tests.builders.actors import counter_agent, patient, professional, regulator
from tests.builders.documents import a_document, grant
from tests.builders.dossiers import a_dossier, adult_request, minor_request
from tests.notifications.conftest import outbox_rows, payload_of, sms_received

MOBILE = "0612345678"


async def events_of(session, dossier_id) -> list[tuple[str, str]]:
    return [(r.event, r.channel) for r in await outbox_rows(session, dossier_id)]


async def both_channels(session, rt, **preferences):
    created = await a_dossier(
        session, rt, request=adult_request(contact=Contact(email="a@example.org", mobile=MOBILE))
    )
    if preferences:
        dossier = await session.get(Dossier, created.dossier_id)
        dossier.notification_preferences = preferences
        await session.flush()
    return created.dossier_id


async def test_creation_is_acknowledged_on_every_channel_on_file(session, rt, factory):
    dossier_id = await both_channels(session, rt)
    assert sorted(await events_of(session, dossier_id)) == [
        ("dossier_created", "email"),
        ("dossier_created", "sms"),
    ]
    await deliver_due(factory, rt=rt)
    [sms] = sms_received(rt)
    assert sms["to"] == "+33612345678"
    assert sms["text"].startswith("DMP : votre DMP a été créé le 02/03/2026.")


async def test_preferences_choose_the_channels_but_an_important_notice_still_arrives(session, rt):
    dossier_id = await both_channels(session, rt, sms=False)
    dossier = await session.get(Dossier, dossier_id)
    await hooks.dossier_reactivated(session, rt=rt, dossier=dossier)
    assert ("dossier_reactivated", "sms") not in await events_of(session, dossier_id)
    dossier.notification_preferences = {"email": False, "sms": False}
    await session.flush()
    await hooks.dossier_closed(session, rt=rt, dossier=dossier, after_death=False)
    # Everything switched off: an event that matters still reaches the first channel.
    assert ("dossier_closed", "email") in await events_of(session, dossier_id)


async def test_the_first_access_of_each_professional_is_notified_once(session, rt):
    doctor = professional(national_id="810000000207")
    created = await a_dossier(session, rt, actor=doctor)
    document = await a_document(session, rt, created.dossier_id, actor=doctor)
    for _ in range(3):
        await read_document(
            session, rt=rt, actor=doctor, dossier_id=created.dossier_id, document_id=document.id
        )
    other = professional(national_id="810000000215")
    await grant(session, rt, created.dossier_id, other.id)
    await read_document(
        session, rt=rt, actor=other, dossier_id=created.dossier_id, document_id=document.id
    )
    events = [e for e, _ in await events_of(session, created.dossier_id)]
    assert events.count("first_access") == 2


async def test_the_first_access_notice_can_be_switched_off(session, rt):
    doctor = professional(national_id="810000000223")
    created = await a_dossier(session, rt, actor=doctor)
    dossier = await session.get(Dossier, created.dossier_id)
    dossier.notification_preferences = {"first_access": False}
    document = await a_document(session, rt, created.dossier_id, actor=doctor)
    await read_document(
        session, rt=rt, actor=doctor, dossier_id=created.dossier_id, document_id=document.id
    )
    assert "first_access" not in [e for e, _ in await events_of(session, created.dossier_id)]


async def test_break_glass_is_notified_once_per_professional_and_day(session, rt, clock):
    created = await a_dossier(session, rt)
    document = await a_document(session, rt, created.dossier_id)
    emergency = in_break_glass(professional(national_id="810000000231"))
    for _ in range(2):
        await read_document(
            session,
            rt=rt,
            actor=emergency,
            dossier_id=created.dossier_id,
            document_id=document.id,
        )
    clock.advance(timedelta(days=1))
    await read_document(
        session, rt=rt, actor=emergency, dossier_id=created.dossier_id, document_id=document.id
    )
    events = [e for e, _ in await events_of(session, created.dossier_id)]
    assert events.count("break_glass") == 2
    assert "first_access" not in events  # the emergency notice says it all


async def test_a_regulation_access_is_notified(session, rt):
    created = await a_dossier(session, rt)
    document = await a_document(session, rt, created.dossier_id)
    await read_document(
        session, rt=rt, actor=regulator(), dossier_id=created.dossier_id, document_id=document.id
    )
    [row] = [r for r in await outbox_rows(session, created.dossier_id) if r.event == "regulation"]
    assert "SAMU – Centre 15" in payload_of(rt, row)["body"]


async def test_a_minor_s_representative_is_told_too(session, rt):
    request = minor_request(contact=Contact(mobile="0711223344"))
    created = await a_dossier(session, rt, request=request)
    rows = await outbox_rows(session, created.dossier_id)
    to = {payload_of(rt, r)["to"]: payload_of(rt, r) for r in rows}
    assert set(to) == {"0711223344", "jeanne.martin@example.org"}
    assert "l'enfant dont vous êtes représentant légal" in to["jeanne.martin@example.org"]["body"]


async def test_closure_and_reactivation_are_notified_but_not_after_a_death(session, rt):
    created = await a_dossier(session, rt)
    agent = counter_agent()
    await close_dossier(
        session,
        rt=rt,
        actor=agent,
        dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )
    await reactivate_dossier(
        session, rt=rt, actor=agent, dossier_id=created.dossier_id, consent=ConsentIn(given=True)
    )
    await close_dossier(
        session, rt=rt, actor=agent, dossier_id=created.dossier_id, reason=ClosureReason.DEATH
    )
    events = [e for e, _ in await events_of(session, created.dossier_id)]
    assert events == ["dossier_created", "dossier_closed", "dossier_reactivated"]
    closed = next(
        r for r in await outbox_rows(session, created.dossier_id) if r.event == "dossier_closed"
    )
    assert "conservées jusqu'au 02/03/2036" in payload_of(rt, closed)["body"]


async def test_a_contact_change_is_told_to_the_contact_being_replaced(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    await update_contact(
        session,
        rt=rt,
        actor=holder,
        dossier_id=created.dossier_id,
        contact=Contact(email="nouvelle@example.org"),
    )
    [changed] = [
        r for r in await outbox_rows(session, created.dossier_id) if r.event == "contact_changed"
    ]
    assert payload_of(rt, changed)["to"] == "jeanne.martin@example.org"


async def test_a_password_change_is_told_to_that_account_s_person(session, rt):
    created = await a_dossier(session, rt, request=minor_request(contact=Contact(mobile=MOBILE)))
    account = await session.scalar(
        select(PatientAccount).where(PatientAccount.dossier_id == created.dossier_id)
    )
    principal = await principal_of(session, account)
    await notify_password_changed(session, rt=rt, principal=principal)
    [row] = [
        r for r in await outbox_rows(session, created.dossier_id) if r.event == "password_changed"
    ]
    # The account is the representative's: the minor's own mobile is not told.
    assert payload_of(rt, row)["to"] == "jeanne.martin@example.org"


async def test_a_known_event_is_remembered_only_once_committed(session, rt, factory):
    # rt.notified_events saves the lookup of an event already notified; a notification
    # whose transaction was rolled back must not be taken as made.
    doctor = professional(national_id="810000000231")
    created = await a_dossier(session, rt, actor=doctor)
    document = await a_document(session, rt, created.dossier_id, actor=doctor)
    member = (created.dossier_id, f"first_access:{doctor.id}")

    class Undo(Exception):
        pass

    try:
        async with unit_of_work(factory) as own:
            await read_document(
                own, rt=rt, actor=doctor, dossier_id=created.dossier_id, document_id=document.id
            )
            raise Undo
    except Undo:
        pass
    assert member not in rt.notified_events
    assert "first_access" not in [e for e, _ in await events_of(session, created.dossier_id)]

    async with unit_of_work(factory) as own:
        await read_document(
            own, rt=rt, actor=doctor, dossier_id=created.dossier_id, document_id=document.id
        )
    assert member in rt.notified_events
    # Known for that dossier only: the same professional's first access elsewhere is news.
    other = await a_dossier(session, rt, actor=doctor)
    other_document = await a_document(session, rt, other.dossier_id, actor=doctor)
    async with unit_of_work(factory) as own:
        await read_document(
            own, rt=rt, actor=doctor, dossier_id=other.dossier_id, document_id=other_document.id
        )
    events = [e for e, _ in await events_of(session, created.dossier_id)]
    assert events.count("first_access") == 1
    assert "first_access" in [e for e, _ in await events_of(session, other.dossier_id)]
