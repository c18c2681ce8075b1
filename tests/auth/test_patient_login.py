"""Patient login: identifier and password, then a six-digit code by e-mail or SMS,
valid ten minutes, usable once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from dmp.audit.service import list_traces
from dmp.auth.accounts import Channel
from dmp.auth.login import complete_login, send_login_code
from dmp.auth.login_errors import (
    ChallengeExpired,
    ChannelUnavailable,
    CodeIncorrect,
    CodeNotSent,
    InvalidCredentials,
    NoCodeChannel,
    TooManyCodes,
)
from dmp.auth.models import LoginChallenge
from dmp.auth.patients import begin_patient_login
from dmp.dossiers.models import PatientAccount
from dmp.policy import ActorKind
from tests.auth.people import (
    EMAIL,
    MOBILE,
    a_patient,
    deliver,
    last_sms_code,
    sms_sent,
)
from tests.builders.dossiers import a_dossier, minor_request


async def test_the_code_goes_by_sms_and_opens_a_patient_session(session, rt, settings):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    assert started.sent_to is Channel.SMS
    assert sms_sent(settings) == []  # nothing leaves before the commit
    await deliver(session)
    sms = sms_sent(settings)[-1]
    assert sms["to"] == "+33612345678" and "10 min" in sms["text"]
    opened = await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=last_sms_code(settings)
    )
    assert opened.actor.kind is ActorKind.PATIENT
    assert opened.actor.dossier_id == str(created.dossier_id)
    account = await session.scalar(
        select(PatientAccount).where(PatientAccount.login_id == created.login_id)
    )
    assert opened.actor.id == str(account.id)
    assert account.last_login_at == rt.clock.now()


async def test_the_code_goes_by_email_through_smtp(session, rt, mailbox):
    created = await a_patient(session, rt, email="mail.only@example.org", mobile=None)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password
    )
    assert started.sent_to is Channel.EMAIL  # the only channel on file: no choice to make
    await deliver(session)
    message = mailbox.messages_to("mail.only@example.org")[-1]
    assert message["Subject"] == "Votre code de connexion au DMP"
    assert message.get_content_type() == "text/plain"
    opened = await complete_login(
        session, rt=rt, challenge_id=started.challenge_id,
        code=mailbox.last_code("mail.only@example.org"),
    )  # fmt: skip
    assert opened.actor.kind is ActorKind.PATIENT


async def test_with_two_channels_the_patient_chooses_before_anything_is_sent(session, rt, settings):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password
    )
    assert started.sent_to is None
    assert {(o.channel, o.destination) for o in started.channels} == {
        (Channel.EMAIL, "j•••@example.org"),
        (Channel.SMS, "06 •• •• •• 78"),
    }
    with pytest.raises(CodeNotSent):
        await complete_login(session, rt=rt, challenge_id=started.challenge_id, code="123456")
    sent = await send_login_code(
        session, rt=rt, challenge_id=started.challenge_id, channel=Channel.SMS
    )
    assert sent.destination == "06 •• •• •• 78"
    await deliver(session)
    assert len(sms_sent(settings)) == 1


async def test_sending_again_replaces_the_previous_code(session, rt, settings, mailbox):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    await deliver(session)
    first = last_sms_code(settings)
    await send_login_code(session, rt=rt, challenge_id=started.challenge_id, channel=Channel.EMAIL)
    await deliver(session)
    second = mailbox.last_code(EMAIL)
    if first != second:  # one chance in a million that both draws are equal
        with pytest.raises(CodeIncorrect):
            await complete_login(session, rt=rt, challenge_id=started.challenge_id, code=first)
    await complete_login(session, rt=rt, challenge_id=started.challenge_id, code=second)


async def test_codes_cannot_be_sent_without_limit(session, rt):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    for _ in range(rt.settings.otp_max_sends - 1):
        await send_login_code(
            session, rt=rt, challenge_id=started.challenge_id, channel=Channel.SMS
        )
    with pytest.raises(TooManyCodes) as caught:
        await send_login_code(
            session, rt=rt, challenge_id=started.challenge_id, channel=Channel.SMS
        )
    assert caught.value.status == 429


async def test_a_channel_not_on_file_is_refused(session, rt):
    created = await a_patient(session, rt, mobile=None)
    with pytest.raises(ChannelUnavailable):
        await begin_patient_login(
            session, rt=rt, login_id=created.login_id, password=created.initial_password,
            channel=Channel.SMS,
        )  # fmt: skip


async def test_a_patient_without_any_channel_is_sent_to_support(session, rt):
    created = await a_patient(session, rt, email=None, mobile=None)
    with pytest.raises(NoCodeChannel) as caught:
        await begin_patient_login(
            session, rt=rt, login_id=created.login_id, password=created.initial_password
        )
    assert "DMP Info Service" in caught.value.message("fr")
    assert caught.value.status == 403 and caught.value.keep_changes
    traces = await list_traces(session, dossier_id=created.dossier_id)
    assert traces[0].action == "auth:login:no-code-channel" and traces[0].outcome == "denied"


async def test_a_wrong_code_is_refused(session, rt, settings):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    await deliver(session)
    wrong = f"{(int(last_sms_code(settings)) + 1) % 1_000_000:06d}"
    with pytest.raises(CodeIncorrect) as caught:
        await complete_login(session, rt=rt, challenge_id=started.challenge_id, code=wrong)
    assert caught.value.status == 401 and caught.value.keep_changes


@pytest.mark.parametrize("garbage", ["", "12345", "1234567", "abcdef", "12 34 5x"])
async def test_a_malformed_code_is_simply_wrong(session, rt, garbage):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    with pytest.raises(CodeIncorrect):
        await complete_login(session, rt=rt, challenge_id=started.challenge_id, code=garbage)


async def test_a_code_works_only_once(session, rt, settings):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    await deliver(session)
    code = last_sms_code(settings)
    await complete_login(session, rt=rt, challenge_id=started.challenge_id, code=code)
    with pytest.raises(ChallengeExpired):
        await complete_login(session, rt=rt, challenge_id=started.challenge_id, code=code)


async def test_a_code_expires_after_ten_minutes(session, rt, settings, clock):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    assert started.expires_at == clock.now() + timedelta(minutes=10)
    await deliver(session)
    clock.advance(timedelta(minutes=10))
    with pytest.raises(ChallengeExpired):
        await complete_login(
            session, rt=rt, challenge_id=started.challenge_id, code=last_sms_code(settings)
        )


async def test_a_code_is_still_good_just_before_expiry(session, rt, settings, clock):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    await deliver(session)
    clock.advance(timedelta(minutes=9, seconds=59))
    await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=last_sms_code(settings)
    )


async def test_an_unknown_challenge_is_refused_like_an_expired_one(session, rt):
    with pytest.raises(ChallengeExpired):
        await complete_login(session, rt=rt, challenge_id=uuid.uuid4(), code="123456")


async def test_only_a_keyed_hash_of_the_code_is_stored(session, rt, settings):
    created = await a_patient(session, rt)
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.SMS,
    )  # fmt: skip
    await deliver(session)
    challenge = await session.get(LoginChallenge, started.challenge_id)
    code = last_sms_code(settings)
    assert code not in challenge.code_hash and len(challenge.code_hash) == 64
    import hashlib

    assert challenge.code_hash != hashlib.sha256(code.encode()).hexdigest()


async def test_a_legal_representative_signs_in_on_the_minors_dossier(session, rt, mailbox):
    created = await a_dossier(session, rt, request=minor_request())
    started = await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password
    )
    await deliver(session)
    opened = await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=mailbox.last_code(EMAIL)
    )
    assert opened.actor.kind is ActorKind.LEGAL_REPRESENTATIVE
    assert opened.actor.dossier_id == str(created.dossier_id)


async def test_a_disabled_account_cannot_sign_in(session, rt):
    created = await a_patient(session, rt)
    account = await session.scalar(
        select(PatientAccount).where(PatientAccount.login_id == created.login_id)
    )
    account.disabled_at = rt.clock.now()
    with pytest.raises(InvalidCredentials):
        await begin_patient_login(
            session, rt=rt, login_id=created.login_id, password=created.initial_password
        )


async def test_the_identifier_may_be_typed_with_spaces(session, rt):
    created = await a_patient(session, rt)
    spaced = " ".join(created.login_id[i : i + 2] for i in range(0, 10, 2))
    started = await begin_patient_login(
        session, rt=rt, login_id=spaced, password=created.initial_password, channel=Channel.SMS
    )
    assert started.sent_to is Channel.SMS


async def test_a_successful_login_is_traced_on_the_dossier(session, rt, settings):
    from tests.auth.people import sms_login

    created = await a_patient(session, rt)
    await sms_login(session, rt, login_id=created.login_id, password=created.initial_password)
    trace = (await list_traces(session, dossier_id=created.dossier_id))[0]
    assert (trace.action, trace.outcome, trace.target) == ("auth:login", "allowed", "code:sms")
    assert trace.actor_kind == "patient" and trace.actor_name == "Titulaire"


async def test_messages_carry_no_medical_content(session, rt, settings, mailbox):
    created = await a_patient(session, rt)
    await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=created.initial_password,
        channel=Channel.EMAIL,
    )  # fmt: skip
    await deliver(session)
    body = mailbox.messages_to(EMAIL)[-1].get_content()
    assert "Martin" not in body and created.login_id not in body
    assert MOBILE not in body
