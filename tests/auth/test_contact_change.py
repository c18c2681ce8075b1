"""Changing the e-mail or mobile that receives the codes ("Mes informations"): a code
goes to the NEW channel, nothing changes until it comes back, the former channel is told."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from dmp.audit.service import list_traces
from dmp.auth.accounts import Channel
from dmp.auth.login_errors import ChallengeExpired, CodeIncorrect, WrongPortal
from dmp.auth.patients import confirm_contact_change, request_contact_change
from dmp.dossiers.administration import read_administrative_data
from dmp.dossiers.models import Dossier, LegalRepresentative
from dmp.dossiers.vault import open_json
from dmp.errors import InvalidInput
from tests.auth.people import (
    EMAIL,
    a_patient,
    deliver,
    last_sms_code,
    signed_in,
    sms_sent,
)
from tests.builders.actors import patient
from tests.builders.dossiers import a_dossier, minor_request

NEW_EMAIL = "jeanne.nouvelle@example.org"


async def _contact(session, rt, created):
    data = await read_administrative_data(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id
    )
    return data.contact


async def test_a_new_email_is_confirmed_by_a_code_sent_to_it(session, rt, mailbox):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    started = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value=NEW_EMAIL
    )
    assert started.destination == "j•••@example.org"
    await deliver(session)
    message = mailbox.messages_to(NEW_EMAIL)[-1]
    assert "Confirmez" in message["Subject"]
    assert (await _contact(session, rt, created)).email == EMAIL  # not yet
    channel = await confirm_contact_change(
        session, rt=rt, view=view, challenge_id=started.challenge_id,
        code=mailbox.last_code(NEW_EMAIL),
    )  # fmt: skip
    assert channel is Channel.EMAIL
    contact = await _contact(session, rt, created)
    assert contact.email == NEW_EMAIL and contact.mobile == "0612345678"
    traces = await list_traces(session, dossier_id=created.dossier_id)
    assert any(t.action == "dossier:admin:update" and t.target == "contact:email" for t in traces)


async def test_the_former_email_is_told_of_the_change(session, rt, mailbox):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    before = len(mailbox.messages_to(EMAIL))
    started = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value=NEW_EMAIL
    )
    await deliver(session)
    await confirm_contact_change(
        session, rt=rt, view=view, challenge_id=started.challenge_id,
        code=mailbox.last_code(NEW_EMAIL),
    )  # fmt: skip
    await deliver(session)
    notices = mailbox.messages_to(EMAIL)[before:]
    assert [m["Subject"] for m in notices] == ["Modification de vos coordonnées DMP"]


async def test_a_new_mobile_is_confirmed_by_sms_and_used_for_the_next_login(session, rt, settings):
    from tests.auth.people import NEW_PASSWORD, sms_login

    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    started = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.SMS, value="07 98 76 54 32"
    )
    await deliver(session)
    assert sms_sent(settings)[-1]["to"] == "+33798765432"
    await confirm_contact_change(
        session, rt=rt, view=view, challenge_id=started.challenge_id,
        code=last_sms_code(settings),
    )  # fmt: skip
    await deliver(session)
    await sms_login(session, rt, login_id=created.login_id, password=NEW_PASSWORD)
    assert sms_sent(settings)[-1]["to"] == "+33798765432"


async def test_a_wrong_code_changes_nothing_and_three_close_the_request(session, rt, mailbox):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    started = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value=NEW_EMAIL
    )
    await deliver(session)
    for _ in range(3):
        with pytest.raises(CodeIncorrect):
            await confirm_contact_change(
                session, rt=rt, view=view, challenge_id=started.challenge_id, code="abcdef"
            )
    with pytest.raises(ChallengeExpired):
        await confirm_contact_change(
            session, rt=rt, view=view, challenge_id=started.challenge_id,
            code=mailbox.last_code(NEW_EMAIL),
        )  # fmt: skip
    assert (await _contact(session, rt, created)).email == EMAIL


async def test_the_code_expires_after_ten_minutes(session, rt, clock, mailbox):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    started = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value=NEW_EMAIL
    )
    await deliver(session)
    clock.advance(timedelta(minutes=10))
    with pytest.raises(ChallengeExpired):
        await confirm_contact_change(
            session, rt=rt, view=view, challenge_id=started.challenge_id,
            code=mailbox.last_code(NEW_EMAIL),
        )  # fmt: skip


async def test_a_newer_request_supersedes_the_pending_one(session, rt, mailbox):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    first = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value="premiere@example.org"
    )
    await deliver(session)
    await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value="seconde@example.org"
    )
    with pytest.raises(ChallengeExpired):
        await confirm_contact_change(
            session, rt=rt, view=view, challenge_id=first.challenge_id,
            code=mailbox.last_code("premiere@example.org"),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("channel", "value"),
    [(Channel.EMAIL, "pas-une-adresse"), (Channel.SMS, "01 23 45 67 89"), (Channel.SMS, "  ")],
)
async def test_malformed_contacts_are_refused(session, rt, channel, value):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    with pytest.raises(InvalidInput):
        await request_contact_change(session, rt=rt, view=view, channel=channel, value=value)


async def test_someone_elses_request_cannot_be_confirmed(session, rt, mailbox):
    alice = await a_patient(session, rt)
    alice_view, _ = await signed_in(session, rt, alice)
    started = await request_contact_change(
        session, rt=rt, view=alice_view, channel=Channel.EMAIL, value=NEW_EMAIL
    )
    await deliver(session)
    bob = await a_patient(session, rt, email="bob@example.org")
    bob_view, _ = await signed_in(session, rt, bob)
    with pytest.raises(ChallengeExpired):
        await confirm_contact_change(
            session, rt=rt, view=bob_view, challenge_id=started.challenge_id,
            code=mailbox.last_code(NEW_EMAIL),
        )  # fmt: skip
    with pytest.raises(ChallengeExpired):
        await confirm_contact_change(
            session, rt=rt, view=bob_view, challenge_id=uuid.uuid4(), code="123456"
        )


async def test_a_representative_changes_their_own_contact_not_the_minors(session, rt, mailbox):
    created = await a_dossier(session, rt, request=minor_request())
    view = await _representative_session(session, rt, created, mailbox)
    started = await request_contact_change(
        session, rt=rt, view=view, channel=Channel.EMAIL, value="parent@example.org"
    )
    await deliver(session)
    await confirm_contact_change(
        session, rt=rt, view=view, challenge_id=started.challenge_id,
        code=mailbox.last_code("parent@example.org"),
    )  # fmt: skip
    dossier = await session.get(Dossier, created.dossier_id)
    representative = await session.scalar(
        select(LegalRepresentative).where(LegalRepresentative.dossier_id == dossier.id)
    )
    key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
    own = open_json(key, dossier.id, "representative-contact", representative.contact_ct)
    assert own["email"] == "parent@example.org"
    assert open_json(key, dossier.id, "contact", dossier.contact_ct).get("email") is None


async def test_only_patient_accounts_change_contacts_here(session, rt):
    from dataclasses import replace

    from dmp.auth.accounts import AccountKind

    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    with pytest.raises(WrongPortal):
        await request_contact_change(
            session, rt=rt, view=replace(view, account_kind=AccountKind.PROFESSIONAL),
            channel=Channel.EMAIL, value=NEW_EMAIL,
        )  # fmt: skip


async def _representative_session(session, rt, created, mailbox):
    from dmp.auth.credentials import change_password
    from dmp.auth.login import complete_login
    from dmp.auth.patients import begin_patient_login
    from dmp.auth.sessions import resolve_session
    from tests.auth.people import NEW_PASSWORD

    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password
    )
    await deliver(session)
    opened = await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=mailbox.last_code(EMAIL)
    )
    view = await resolve_session(session, rt=rt, token=opened.token)
    await change_password(session, rt=rt, view=view, new_password=NEW_PASSWORD)
    return await resolve_session(session, rt=rt, token=opened.token)
