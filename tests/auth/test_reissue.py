"""Support re-issues credentials (new temporary password, and a new identifier when the
letter was lost) and lifts locks; patients cannot; every step is traced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dmp.audit.service import list_traces
from dmp.auth.accounts import AccountKind
from dmp.auth.credentials import reissue_credentials, unlock_account, unlock_portal_account
from dmp.auth.login_errors import (
    AccountLocked,
    AccountNotFound,
    InvalidCredentials,
    SessionExpired,
)
from dmp.auth.patients import begin_patient_login
from dmp.auth.sessions import resolve_session
from dmp.dossiers.models import PatientAccount
from dmp.errors import AccessDenied
from dmp.policy import Actor, ActorKind
from tests.auth.people import NEW_PASSWORD, a_patient, signed_in, sms_login
from tests.builders.actors import counter_agent, operator, patient

SUPPORT = Actor(kind=ActorKind.SUPPORT, id="support-01", display_name="DMP Info Service")


async def _lock(session, rt, login_id):
    for _ in range(3):
        with pytest.raises((InvalidCredentials, AccountLocked)):
            await begin_patient_login(session, rt=rt, login_id=login_id, password="mauvais")


async def test_a_temporary_password_replaces_the_old_one(session, rt):
    created = await a_patient(session, rt)
    await signed_in(session, rt, created)
    issued = await reissue_credentials(session, rt=rt, actor=SUPPORT, dossier_id=created.dossier_id)
    assert issued.login_id == created.login_id and not issued.new_login_id
    with pytest.raises(InvalidCredentials):
        await begin_patient_login(session, rt=rt, login_id=created.login_id, password=NEW_PASSWORD)
    opened = await sms_login(
        session, rt, login_id=created.login_id, password=issued.temporary_password
    )
    assert opened.must_change_password


async def test_a_new_identifier_can_be_issued_with_the_letter(session, rt):
    created = await a_patient(session, rt)
    issued = await reissue_credentials(
        session, rt=rt, actor=counter_agent(), dossier_id=created.dossier_id, new_identifier=True
    )
    assert issued.login_id != created.login_id and len(issued.login_id) == 10
    with pytest.raises(InvalidCredentials):
        await begin_patient_login(
            session, rt=rt, login_id=created.login_id, password=issued.temporary_password
        )
    await sms_login(session, rt, login_id=issued.login_id, password=issued.temporary_password)


async def test_reissue_is_traced_and_ends_sessions(session, rt):
    created = await a_patient(session, rt)
    _, token = await signed_in(session, rt, created)
    await reissue_credentials(session, rt=rt, actor=SUPPORT, dossier_id=created.dossier_id)
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=token)
    trace = (await list_traces(session, dossier_id=created.dossier_id))[0]
    assert (trace.action, trace.outcome, trace.target, trace.actor_kind) == (
        "dossier:credentials:reissue", "allowed", "password", "support"
    )  # fmt: skip


async def test_reissue_unlocks_a_locked_account(session, rt):
    created = await a_patient(session, rt)
    await _lock(session, rt, created.login_id)
    issued = await reissue_credentials(session, rt=rt, actor=SUPPORT, dossier_id=created.dossier_id)
    await sms_login(session, rt, login_id=created.login_id, password=issued.temporary_password)


async def test_patients_cannot_reissue_their_own_credentials(session, rt):
    created = await a_patient(session, rt)
    with pytest.raises(AccessDenied):
        await reissue_credentials(
            session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id
        )
    trace = (await list_traces(session, dossier_id=created.dossier_id))[0]
    assert trace.action == "dossier:credentials:reissue" and trace.outcome == "denied"


async def test_support_unlocks_before_the_fifteen_minutes(session, rt):
    created = await a_patient(session, rt)
    await _lock(session, rt, created.login_id)
    await unlock_account(session, rt=rt, actor=SUPPORT, dossier_id=created.dossier_id)
    await sms_login(session, rt, login_id=created.login_id, password=created.initial_password)
    traces = await list_traces(session, dossier_id=created.dossier_id)
    assert any(t.action == "dossier:credentials:reissue" and t.target == "unlock" for t in traces)


async def test_the_unlock_is_refused_to_the_patient_side(session, rt):
    created = await a_patient(session, rt)
    with pytest.raises(AccessDenied):
        await unlock_account(
            session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id
        )


async def test_an_account_among_several_must_be_named(session, rt):
    from dmp.errors import InvalidInput
    from dmp.kit.ids import new_id

    created = await a_patient(session, rt)
    first = await session.scalar(
        select(PatientAccount).where(PatientAccount.dossier_id == created.dossier_id)
    )
    session.add(
        PatientAccount(
            id=new_id(), dossier_id=created.dossier_id, role="holder", login_id="9999999999",
            password_hash="x", must_change_password=True, failed_attempts=0,
            created_at=rt.clock.now(),
        )
    )  # fmt: skip
    await session.flush()
    with pytest.raises(InvalidInput):
        await unlock_account(session, rt=rt, actor=SUPPORT, dossier_id=created.dossier_id)
    await unlock_account(
        session, rt=rt, actor=SUPPORT, dossier_id=created.dossier_id, account_id=first.id
    )


async def test_portal_accounts_are_unlocked_by_support_or_the_operator_only(session, rt):
    with pytest.raises(AccessDenied):
        await unlock_portal_account(
            session, rt=rt, actor=counter_agent(), kind=AccountKind.AGENT, identifier="x"
        )
    with pytest.raises(AccountNotFound):
        await unlock_portal_account(
            session, rt=rt, actor=operator(), kind=AccountKind.PROFESSIONAL,
            identifier="810000000000",
        )  # fmt: skip
