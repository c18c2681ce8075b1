"""Professionals on the portal (e-CPS style: national id, password, one-time code) and
counter or support agents: the same login, the same lockout, their own actors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dmp.auth.accounts import AccountKind, Channel
from dmp.auth.credentials import unlock_portal_account
from dmp.auth.login import complete_login
from dmp.auth.login_errors import AccountLocked, AccountNotFound, InvalidCredentials, WeakPassword
from dmp.auth.models import SecurityEvent
from dmp.auth.professionals import (
    begin_agent_login,
    begin_professional_login,
    enrol_agent,
    enrol_professional,
)
from dmp.errors import AccessDenied, InvalidInput
from dmp.identity.directory import ProfessionalIn, upsert_professionals
from dmp.policy import ActorKind
from tests.auth.people import deliver, last_sms_code
from tests.builders.actors import counter_agent, operator

RPPS = "810002345678"
PRO_PASSWORD = "Stéthoscope bleu du mardi"


@pytest.fixture
async def in_directory(session, rt):
    await upsert_professionals(
        session, rt=rt,
        rows=[ProfessionalIn(RPPS, "10", "Lefèvre", "Claire", "Médecine générale", "1750000001",
                             "Cabinet du Marais")],
    )  # fmt: skip


async def _pro_login(session, rt, password=PRO_PASSWORD):
    started = await begin_professional_login(
        session, rt=rt, national_id=RPPS, password=password, channel=Channel.SMS
    )
    await deliver(session)
    return await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=last_sms_code(rt.settings)
    )


async def test_a_professional_signs_in_as_the_directory_knows_them(session, rt, in_directory):
    enrolled = await enrol_professional(
        session, rt=rt, actor=operator(), national_id=RPPS, mobile="0611223344",
        password=PRO_PASSWORD,
    )  # fmt: skip
    assert enrolled.created and enrolled.temporary_password is None
    opened = await _pro_login(session, rt)
    actor = opened.actor
    assert (actor.kind, actor.id, actor.profession) == (ActorKind.PROFESSIONAL, RPPS, "10")
    assert actor.display_name == "Claire Lefèvre" and actor.structure == "1750000001"
    assert actor.dossier_id is None and not opened.must_change_password


async def test_without_a_password_a_temporary_one_must_be_changed(session, rt, in_directory):
    enrolled = await enrol_professional(
        session, rt=rt, actor=operator(), national_id=RPPS, email="c.lefevre@example.org",
        mobile="0611223344",
    )  # fmt: skip
    opened = await _pro_login(session, rt, password=enrolled.temporary_password)
    assert opened.must_change_password


async def test_enrolment_needs_the_directory_an_administrator_and_a_good_password(
    session, rt, in_directory
):
    with pytest.raises(AccountNotFound):
        await enrol_professional(session, rt=rt, actor=operator(), national_id="810009999999")
    with pytest.raises(AccessDenied):
        await enrol_professional(session, rt=rt, actor=counter_agent(), national_id=RPPS)
    with pytest.raises(WeakPassword) as caught:
        await enrol_professional(
            session, rt=rt, actor=operator(), national_id=RPPS, password="Claire Lefèvre 2024"
        )
    assert "contains_name" in caught.value.fields["problems"]
    with pytest.raises(InvalidInput):
        await enrol_professional(session, rt=rt, actor=operator(), national_id=RPPS, mobile="01 02")


async def test_a_professional_is_locked_after_three_failures_and_it_is_recorded(
    session, rt, in_directory
):
    await enrol_professional(
        session, rt=rt, actor=operator(), national_id=RPPS, mobile="0611223344",
        password=PRO_PASSWORD,
    )  # fmt: skip
    for expected in (InvalidCredentials, InvalidCredentials, AccountLocked, AccountLocked):
        with pytest.raises(expected):
            await begin_professional_login(session, rt=rt, national_id=RPPS, password="faux")
    events = (
        await session.execute(
            select(SecurityEvent.kind)
            .where(SecurityEvent.actor_id == RPPS)
            .order_by(SecurityEvent.at)
        )
    ).scalars()
    assert list(events)[-5:] == [
        "auth:login:password-refused", "auth:login:password-refused",
        "auth:login:password-refused", "auth:account:locked", "auth:login:refused-locked",
    ]  # fmt: skip
    await unlock_portal_account(
        session, rt=rt, actor=operator(), kind=AccountKind.PROFESSIONAL, identifier=RPPS
    )
    await _pro_login(session, rt)


async def test_a_professional_gone_from_the_directory_cannot_sign_in(session, rt, in_directory):
    from dmp.identity.models import Professional

    await enrol_professional(
        session, rt=rt, actor=operator(), national_id=RPPS, mobile="0611223344",
        password=PRO_PASSWORD,
    )  # fmt: skip
    await session.delete(await session.get(Professional, RPPS))
    await session.flush()
    with pytest.raises(InvalidCredentials):
        await begin_professional_login(session, rt=rt, national_id=RPPS, password=PRO_PASSWORD)


@pytest.mark.parametrize(
    ("kind", "expected"), [(ActorKind.COUNTER_AGENT, ActorKind.COUNTER_AGENT),
                           (ActorKind.SUPPORT, ActorKind.SUPPORT)],
)  # fmt: skip
async def test_agents_sign_in_as_counter_or_support(session, rt, kind, expected):
    await enrol_agent(
        session, rt=rt, actor=operator(), login_id="cpam75-accueil-01", kind=kind,
        display_name="Accueil CPAM Paris", structure="CPAM75", mobile="0655443322",
        password="Guichet numéro sept du matin",
    )  # fmt: skip
    started = await begin_agent_login(
        session, rt=rt, login_id="cpam75-accueil-01", password="Guichet numéro sept du matin"
    )
    await deliver(session)
    opened = await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=last_sms_code(rt.settings)
    )
    assert opened.actor.kind is expected
    assert (opened.actor.id, opened.actor.display_name) == (
        "cpam75-accueil-01", "Accueil CPAM Paris"
    )  # fmt: skip


async def test_an_agent_is_a_counter_agent_or_support_only(session, rt):
    with pytest.raises(InvalidInput):
        await enrol_agent(
            session, rt=rt, actor=operator(), login_id="x1", kind=ActorKind.PROFESSIONAL,
            display_name="?",
        )  # fmt: skip


async def test_the_kinds_of_accounts_do_not_mix(session, rt, in_directory):
    """A professional's credentials do not open the patient login, and vice versa."""
    from dmp.auth.patients import begin_patient_login

    await enrol_professional(
        session, rt=rt, actor=operator(), national_id=RPPS, mobile="0611223344",
        password=PRO_PASSWORD,
    )  # fmt: skip
    with pytest.raises(InvalidCredentials):
        await begin_patient_login(session, rt=rt, login_id=RPPS, password=PRO_PASSWORD)
