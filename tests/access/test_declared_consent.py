"""A professional declares the patient's consent and becomes authorized."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dmp.access import errors
from dmp.access.models import Authorization
from dmp.access.service import declare_consent, revoke_authorization
from dmp.errors import AccessDenied
from dmp.identity.errors import InvalidNationalId
from dmp.policy import Action, AuthorizationState
from tests.builders.access import (
    a_known_professional,
    facts_for,
    in_unit_of_work,
    last_trace,
)
from tests.builders.actors import counter_agent, patient, professional
from tests.builders.dossiers import a_dossier


async def test_the_declaration_authorizes_and_records_time_and_declarer(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)

    access = await declare_consent(session, rt=rt, actor=doctor, dossier_id=created.dossier_id)

    assert (access.state, access.declared_consent) == (AuthorizationState.AUTHORIZED, True)
    grant = await session.scalar(
        select(Authorization).where(
            Authorization.dossier_id == created.dossier_id,
            Authorization.professional_id == doctor.id,
        )
    )
    assert (grant.granted_by_kind, grant.granted_by_id, grant.updated_at) == (
        "professional",
        doctor.id,
        rt.clock.now(),
    )
    trace = await last_trace(session, created.dossier_id)
    assert (trace.action, trace.target, trace.outcome) == (
        Action.ACCESS_DECLARE_CONSENT.value,
        f"declare-consent:{doctor.id}",
        "allowed",
    )
    facts = await facts_for(session, rt, created.dossier_id, doctor)
    assert facts.actor_authorization is AuthorizationState.AUTHORIZED


async def test_a_professional_unknown_to_the_directory_may_declare(session, rt):
    # The professional's card identifies them: the directory is not consulted.
    created = await a_dossier(session, rt)
    access = await declare_consent(
        session, rt=rt, actor=professional("810000000042"), dossier_id=created.dossier_id
    )
    assert (access.state, access.in_directory) == (AuthorizationState.AUTHORIZED, False)


async def test_declaring_while_authorized_is_a_conflict_and_after_revocation_works(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    await declare_consent(session, rt=rt, actor=doctor, dossier_id=created.dossier_id)
    with pytest.raises(errors.AlreadyAuthorized):
        await in_unit_of_work(
            session, declare_consent(session, rt=rt, actor=doctor, dossier_id=created.dossier_id)
        )
    await revoke_authorization(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        professional_id=doctor.id,
    )
    again = await declare_consent(session, rt=rt, actor=doctor, dossier_id=created.dossier_id)
    assert (again.state, again.declared_consent) == (AuthorizationState.AUTHORIZED, True)


@pytest.mark.parametrize("who", ["patient", "counter_agent"])
async def test_only_a_professional_declares(session, rt, who):
    created = await a_dossier(session, rt)
    actor = patient(created.dossier_id) if who == "patient" else counter_agent()
    with pytest.raises(AccessDenied) as refused:
        await declare_consent(session, rt=rt, actor=actor, dossier_id=created.dossier_id)
    assert refused.value.fields["reason"] == "action_not_permitted"
    trace = await last_trace(session, created.dossier_id)
    assert (trace.action, trace.outcome) == (Action.ACCESS_DECLARE_CONSENT.value, "denied")


async def test_a_malformed_card_id_is_refused_after_the_policy(session, rt):
    created = await a_dossier(session, rt)
    with pytest.raises(InvalidNationalId):
        await declare_consent(
            session, rt=rt, actor=professional("8123"), dossier_id=created.dossier_id
        )


async def test_the_professional_who_created_the_dossier_is_already_authorized(session, rt):
    doctor = await a_known_professional(session, rt)
    created = await a_dossier(session, rt, actor=doctor)
    with pytest.raises(errors.AlreadyAuthorized):
        await declare_consent(session, rt=rt, actor=doctor, dossier_id=created.dossier_id)
