"""Treating physicians ("médecin traitant DMP", several allowed) and administrators: their
designation, and the management of the dossier they share with the patient."""

from __future__ import annotations

import pytest

from dmp.access import errors
from dmp.access.enforce import context_for
from dmp.access.schemas import ManagerRole
from dmp.access.service import (
    authorize_professional,
    designate_treating_physician,
    remove_treating_physician,
    revoke_authorization,
)
from dmp.errors import AccessDenied
from dmp.policy import Action, AuthorizationState, DocumentFacts, Visibility, decide
from tests.builders.access import (
    a_known_professional,
    facts_for,
    in_unit_of_work,
    last_trace,
    make_rpps,
)
from tests.builders.actors import patient
from tests.builders.dossiers import a_dossier

MASKED_REPORT = DocumentFacts(
    type_code="11488-4", class_code="10", visibility=frozenset({Visibility.MASQUE_PS})
)


async def test_several_treating_physicians_may_be_designated(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctors = [
        await a_known_professional(session, rt, family_name=name) for name in ("Laennec", "Bichat")
    ]
    for doctor in doctors:
        access = await designate_treating_physician(
            session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
        )
        assert (access.role, access.role_since) == (ManagerRole.TREATING_PHYSICIAN, rt.clock.now())
        assert access.can_read
        trace = await last_trace(session, created.dossier_id)
        assert (trace.target, trace.outcome) == (
            f"designate-treating-physician:{doctor.id}",
            "allowed",
        )
    for doctor in doctors:
        assert (
            await facts_for(session, rt, created.dossier_id, doctor)
        ).actor_is_treating_physician


async def test_the_treating_physician_sees_a_masked_document_an_authorized_pharmacist_cannot(
    session, rt
):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctor = await a_known_professional(session, rt)
    pharmacist = await a_known_professional(session, rt, profession="21", family_name="Parmentier")
    await designate_treating_physician(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=pharmacist.id
    )
    context = context_for(rt)
    doctor_facts = await facts_for(session, rt, created.dossier_id, doctor)
    pharmacist_facts = await facts_for(session, rt, created.dossier_id, pharmacist)
    assert decide(doctor, Action.DOCUMENT_READ, doctor_facts, MASKED_REPORT, context).allowed
    refused = decide(pharmacist, Action.DOCUMENT_READ, pharmacist_facts, MASKED_REPORT, context)
    assert (refused.allowed, refused.reason.value) == (False, "masked")


async def test_an_administrator_and_a_role_switch(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    midwife = await a_known_professional(session, rt, profession="50", family_name="Boursier")
    access = await designate_treating_physician(
        session,
        rt=rt,
        actor=holder,
        dossier_id=created.dossier_id,
        professional_id=midwife.id,
        role=ManagerRole.ADMINISTRATOR,
    )
    assert access.role is ManagerRole.ADMINISTRATOR
    assert (await last_trace(session, created.dossier_id)).target == (
        f"designate-administrator:{midwife.id}"
    )
    facts = await facts_for(session, rt, created.dossier_id, midwife)
    assert facts.actor_is_administrator and not facts.actor_is_treating_physician

    with pytest.raises(errors.AlreadyDesignated):
        await in_unit_of_work(
            session,
            designate_treating_physician(
                session,
                rt=rt,
                actor=holder,
                dossier_id=created.dossier_id,
                professional_id=midwife.id,
                role=ManagerRole.ADMINISTRATOR,
            ),
        )
    switched = await designate_treating_physician(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=midwife.id
    )
    assert switched.role is ManagerRole.TREATING_PHYSICIAN


async def test_removal_ends_the_role_but_keeps_an_authorization(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctor = await a_known_professional(session, rt)
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    await designate_treating_physician(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    access = await remove_treating_physician(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    assert (access.role, access.state) == (None, AuthorizationState.AUTHORIZED)
    assert (await last_trace(session, created.dossier_id)).target == (
        f"remove-designation:{doctor.id}"
    )
    with pytest.raises(errors.NotDesignated):
        await in_unit_of_work(
            session,
            remove_treating_physician(
                session,
                rt=rt,
                actor=holder,
                dossier_id=created.dossier_id,
                professional_id=doctor.id,
            ),
        )


async def test_designation_needs_a_professional_of_the_directory(session, rt):
    created = await a_dossier(session, rt)
    with pytest.raises(errors.ProfessionalNotInDirectory):
        await designate_treating_physician(
            session,
            rt=rt,
            actor=patient(created.dossier_id),
            dossier_id=created.dossier_id,
            professional_id=make_rpps(),
        )


@pytest.mark.parametrize("role", list(ManagerRole))
async def test_managers_authorize_and_revoke_other_professionals(session, rt, role):
    created = await a_dossier(session, rt)
    manager = await a_known_professional(session, rt)
    pharmacist = await a_known_professional(session, rt, profession="21", family_name="Parmentier")
    await designate_treating_physician(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        professional_id=manager.id,
        role=role,
    )
    granted = await authorize_professional(
        session, rt=rt, actor=manager, dossier_id=created.dossier_id, professional_id=pharmacist.id
    )
    assert (granted.state, granted.state_set_by_kind) == (
        AuthorizationState.AUTHORIZED,
        "professional",
    )
    trace = await last_trace(session, created.dossier_id)
    assert (trace.actor_id, trace.target) == (manager.id, f"authorize:{pharmacist.id}")
    revoked = await revoke_authorization(
        session, rt=rt, actor=manager, dossier_id=created.dossier_id, professional_id=pharmacist.id
    )
    assert revoked.state is AuthorizationState.REVOKED
    # Managers designate too: a treating physician brings in a colleague.
    colleague = await a_known_professional(session, rt, family_name="Collègue")
    designated = await designate_treating_physician(
        session, rt=rt, actor=manager, dossier_id=created.dossier_id, professional_id=colleague.id
    )
    assert designated.role is ManagerRole.TREATING_PHYSICIAN


async def test_an_authorized_professional_who_is_no_manager_cannot_designate(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctor = await a_known_professional(session, rt)
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    with pytest.raises(AccessDenied) as refused:
        await in_unit_of_work(
            session,
            designate_treating_physician(
                session,
                rt=rt,
                actor=doctor,
                dossier_id=created.dossier_id,
                professional_id=doctor.id,
            ),
        )
    assert refused.value.fields["reason"] == "not_manager"
    trace = await last_trace(session, created.dossier_id)
    assert (trace.outcome, trace.target) == ("denied", f"designate-treating-physician:{doctor.id}")
    assert not (
        await facts_for(session, rt, created.dossier_id, doctor)
    ).actor_is_treating_physician
