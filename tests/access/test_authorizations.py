"""Authorizing and revoking professionals: who may, what it changes, what is traced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dmp.access import errors
from dmp.access.models import Authorization
from dmp.access.service import authorize_professional, revoke_authorization
from dmp.dossiers.errors import DossierPurged
from dmp.dossiers.purge import purge_dossier
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.errors import AccessDenied
from dmp.identity.errors import InvalidNationalId
from dmp.policy import Action, AuthorizationState
from tests.builders.access import (
    a_known_professional,
    facts_for,
    in_unit_of_work,
    last_trace,
    make_rpps,
    traces_of,
)
from tests.builders.actors import counter_agent, operator, patient, representative
from tests.builders.dossiers import a_dossier, minor_request


async def _grant(session, dossier_id, professional_id):
    return await session.scalar(
        select(Authorization).where(
            Authorization.dossier_id == dossier_id,
            Authorization.professional_id == professional_id,
        )
    )


async def test_the_patient_authorizes_a_professional_of_the_directory(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)

    access = await authorize_professional(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        professional_id=doctor.id,
    )

    assert access.state is AuthorizationState.AUTHORIZED
    assert access.state_since == rt.clock.now()
    assert access.state_set_by_kind == "patient"
    assert (access.family_name, access.profession_label) == ("Curie", "Médecin")
    facts = await facts_for(session, rt, created.dossier_id, doctor)
    assert facts.actor_authorization is AuthorizationState.AUTHORIZED
    trace = await last_trace(session, created.dossier_id)
    assert (trace.action, trace.target, trace.outcome, trace.actor_kind) == (
        Action.ACCESS_MANAGE.value,
        f"authorize:{doctor.id}",
        "allowed",
        "patient",
    )


async def test_authorizing_twice_is_a_conflict_that_changes_nothing(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    holder = patient(created.dossier_id)
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    before = len(await traces_of(session, created.dossier_id))

    with pytest.raises(errors.AlreadyAuthorized) as refused:
        await in_unit_of_work(
            session,
            authorize_professional(
                session,
                rt=rt,
                actor=holder,
                dossier_id=created.dossier_id,
                professional_id=doctor.id,
            ),
        )

    assert refused.value.status == 409
    assert doctor.id in refused.value.message("fr")
    assert len(await traces_of(session, created.dossier_id)) == before


async def test_a_professional_unknown_to_the_directory_cannot_be_authorized(session, rt):
    created = await a_dossier(session, rt)
    stranger = make_rpps()
    before = len(await traces_of(session, created.dossier_id))

    with pytest.raises(errors.ProfessionalNotInDirectory) as refused:
        await authorize_professional(
            session,
            rt=rt,
            actor=patient(created.dossier_id),
            dossier_id=created.dossier_id,
            professional_id=stranger,
        )

    assert refused.value.status == 422
    assert "annuaire" in refused.value.message("fr")
    assert await _grant(session, created.dossier_id, stranger) is None
    assert len(await traces_of(session, created.dossier_id)) == before


@pytest.mark.parametrize("raw", ["", "12ab", "8123", "912345678901"])
async def test_a_malformed_national_id_is_refused(session, rt, raw):
    created = await a_dossier(session, rt)
    with pytest.raises(InvalidNationalId):
        await authorize_professional(
            session,
            rt=rt,
            actor=patient(created.dossier_id),
            dossier_id=created.dossier_id,
            professional_id=raw,
        )


async def test_revoking_ends_the_professionals_reading(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    holder = patient(created.dossier_id)
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )

    access = await revoke_authorization(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )

    assert access.state is AuthorizationState.REVOKED
    assert not access.can_read
    facts = await facts_for(session, rt, created.dossier_id, doctor)
    assert facts.actor_authorization is AuthorizationState.REVOKED
    assert (await last_trace(session, created.dossier_id)).target == f"revoke:{doctor.id}"
    # A revoked professional may be authorized again.
    again = await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    assert again.state is AuthorizationState.AUTHORIZED


async def test_revoking_what_was_never_granted_is_a_conflict(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    with pytest.raises(errors.AuthorizationNotGranted):
        await in_unit_of_work(
            session,
            revoke_authorization(
                session,
                rt=rt,
                actor=patient(created.dossier_id),
                dossier_id=created.dossier_id,
                professional_id=doctor.id,
            ),
        )
    assert await _grant(session, created.dossier_id, doctor.id) is None


async def test_a_professional_without_rights_cannot_authorize_and_the_refusal_is_traced(
    session, rt
):
    created = await a_dossier(session, rt)
    outsider = await a_known_professional(session, rt, family_name="Dehors")
    colleague = await a_known_professional(session, rt, family_name="Collègue")

    with pytest.raises(AccessDenied) as refused:
        await in_unit_of_work(
            session,
            authorize_professional(
                session,
                rt=rt,
                actor=outsider,
                dossier_id=created.dossier_id,
                professional_id=colleague.id,
            ),
        )

    assert refused.value.fields["reason"] == "not_manager"
    trace = await last_trace(session, created.dossier_id)
    assert (trace.actor_id, trace.outcome, trace.reason, trace.target) == (
        outsider.id,
        "denied",
        "not_manager",
        f"authorize:{colleague.id}",
    )
    assert await _grant(session, created.dossier_id, colleague.id) is None


async def test_a_counter_agent_never_manages_access(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    with pytest.raises(AccessDenied) as refused:
        await authorize_professional(
            session,
            rt=rt,
            actor=counter_agent(),
            dossier_id=created.dossier_id,
            professional_id=doctor.id,
        )
    assert refused.value.fields["reason"] == "action_not_permitted"
    assert await _grant(session, created.dossier_id, doctor.id) is None


async def test_the_legal_representative_authorizes_for_a_minor(session, rt):
    created = await a_dossier(session, rt, request=minor_request())
    paediatrician = await a_known_professional(session, rt, family_name="Dolto")
    access = await authorize_professional(
        session,
        rt=rt,
        actor=representative(created.dossier_id),
        dossier_id=created.dossier_id,
        professional_id=paediatrician.id,
    )
    assert access.state is AuthorizationState.AUTHORIZED
    assert access.state_set_by_kind == "legal_representative"


async def test_a_purged_dossier_is_refused_without_a_trace(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    await close_dossier(
        session,
        rt=rt,
        actor=holder,
        dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
        request_deletion=True,
    )
    rt.clock.advance(timedelta(days=rt.settings.deletion_grace_days))
    await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)
    doctor = await a_known_professional(session, rt)

    with pytest.raises(DossierPurged):
        await authorize_professional(
            session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
        )
    assert await traces_of(session, created.dossier_id) == []
