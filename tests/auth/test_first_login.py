"""The initial (or temporary) password works once: the session it opens can only
replace it, and it stops working at that first login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dmp.audit.service import list_traces
from dmp.auth.accounts import Channel
from dmp.auth.credentials import change_password
from dmp.auth.login_errors import (
    AccountLocked,
    CurrentPasswordIncorrect,
    PasswordChangeRequired,
    SessionExpired,
    TemporaryPasswordSpent,
    WeakPassword,
)
from dmp.auth.patients import begin_patient_login, request_contact_change
from dmp.auth.sessions import resolve_session
from dmp.dossiers.models import PatientAccount
from tests.auth.people import NEW_PASSWORD, a_patient, signed_in, sms_login


@pytest.fixture
async def first_login(session, rt):
    created = await a_patient(session, rt)
    opened = await sms_login(
        session, rt, login_id=created.login_id, password=created.initial_password
    )
    return created, await resolve_session(session, rt=rt, token=opened.token), opened.token


async def test_the_first_session_must_replace_the_password(session, rt, first_login):
    _, view, _ = first_login
    assert view.must_change_password
    with pytest.raises(PasswordChangeRequired) as caught:
        await request_contact_change(
            session, rt=rt, view=view, channel=Channel.EMAIL, value="x@example.org"
        )
    assert caught.value.status == 403


async def test_the_initial_password_works_only_once(session, rt, first_login):
    created, _, _ = first_login
    with pytest.raises(TemporaryPasswordSpent) as caught:
        await begin_patient_login(
            session, rt=rt, login_id=created.login_id, password=created.initial_password
        )
    assert "assistance" in caught.value.message("fr")
    # A wrong password on that account is still just a wrong password.
    from dmp.auth.login_errors import InvalidCredentials

    with pytest.raises(InvalidCredentials):
        await begin_patient_login(session, rt=rt, login_id=created.login_id, password="nope")


async def test_replacing_it_needs_no_current_password_and_lifts_the_flag(session, rt, first_login):
    created, view, token = first_login
    await change_password(session, rt=rt, view=view, new_password=NEW_PASSWORD)
    view = await resolve_session(session, rt=rt, token=token)
    assert not view.must_change_password
    account = await session.scalar(
        select(PatientAccount).where(PatientAccount.login_id == created.login_id)
    )
    assert not account.must_change_password
    traces = await list_traces(session, dossier_id=created.dossier_id)
    assert traces[0].action == "auth:password:changed" and traces[0].outcome == "allowed"
    # The new password is the one that works now.
    again = await sms_login(session, rt, login_id=created.login_id, password=NEW_PASSWORD)
    assert not again.must_change_password


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("court", "too_short"),
        ("motdepasse2024!", "common"),
        ("Jeanne Martin pour toujours", "contains_name"),
        ("ma date 14051985 secrète", "contains_birth_date"),
        ("aaaaaaaaaaaaaaaa", "pattern"),
    ],
)
async def test_weak_or_personal_passwords_are_refused(session, rt, first_login, password, problem):
    _, view, _ = first_login
    with pytest.raises(WeakPassword) as caught:
        await change_password(session, rt=rt, view=view, new_password=password)
    assert problem in caught.value.fields["problems"]


async def test_the_login_id_cannot_be_part_of_the_password(session, rt, first_login):
    created, view, _ = first_login
    with pytest.raises(WeakPassword) as caught:
        await change_password(
            session, rt=rt, view=view, new_password=f"mon identifiant {created.login_id}"
        )
    assert "contains_login_id" in caught.value.fields["problems"]


async def test_the_temporary_password_cannot_be_kept(session, rt, first_login):
    created, view, _ = first_login
    with pytest.raises(WeakPassword) as caught:
        await change_password(session, rt=rt, view=view, new_password=created.initial_password)
    assert caught.value.fields["problems"] == ["same_as_current"]


async def test_a_later_change_needs_the_current_password(session, rt):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    with pytest.raises(CurrentPasswordIncorrect):
        await change_password(session, rt=rt, view=view, new_password="Encore une autre phrase 7")
    with pytest.raises(WeakPassword):
        await change_password(
            session, rt=rt, view=view, new_password=NEW_PASSWORD, current_password=NEW_PASSWORD
        )
    await change_password(
        session, rt=rt, view=view, new_password="Encore une autre phrase 7",
        current_password=NEW_PASSWORD,
    )  # fmt: skip


async def test_guessing_the_current_password_locks_and_ends_the_sessions(session, rt):
    created = await a_patient(session, rt)
    view, token = await signed_in(session, rt, created)
    for _ in range(2):
        with pytest.raises(CurrentPasswordIncorrect):
            await change_password(
                session, rt=rt, view=view, new_password="Encore une autre phrase 7",
                current_password="devinette",
            )  # fmt: skip
    with pytest.raises(AccountLocked):
        await change_password(
            session, rt=rt, view=view, new_password="Encore une autre phrase 7",
            current_password="devinette",
        )  # fmt: skip
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=token)


async def test_changing_the_password_closes_the_other_sessions(session, rt):
    from dmp.auth.accounts import get_account, principal_of
    from dmp.auth.sessions import open_session

    created = await a_patient(session, rt)
    view, token = await signed_in(session, rt, created)
    account = await get_account(session, kind=view.account_kind, account_id=view.account_id)
    other = await open_session(
        session, rt=rt, principal=await principal_of(session, account), must_change_password=False
    )
    await change_password(
        session, rt=rt, view=view, new_password="Encore une autre phrase 7",
        current_password=NEW_PASSWORD,
    )  # fmt: skip
    await resolve_session(session, rt=rt, token=token)
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=other.token)
