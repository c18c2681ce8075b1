"""Blocking: a blocked professional reads nothing, in any mode, until the patient side
unblocks them, and may still deposit documents."""

from __future__ import annotations

import pytest

from dmp.access import errors
from dmp.access.enforce import context_for, enforce
from dmp.access.service import (
    authorize_professional,
    block_professional,
    declare_consent,
    designate_treating_physician,
    unblock_professional,
)
from dmp.dossiers.models import Dossier
from dmp.errors import AccessDenied
from dmp.policy import Action, AuthorizationState, DocumentFacts, decide
from tests.builders.access import (
    a_known_professional,
    facts_for,
    in_break_glass,
    in_unit_of_work,
    last_trace,
    make_rpps,
    traces_of,
)
from tests.builders.actors import patient, regulator, representative
from tests.builders.dossiers import a_dossier, minor_request

# A consultation report: a type a nurse reads, so that only the block can refuse it.
CONSULTATION = DocumentFacts(type_code="11488-4", class_code="10")


async def _blocked_nurse(session, rt):
    created = await a_dossier(session, rt)
    nurse = await a_known_professional(session, rt, profession="60", family_name="Nightingale")
    holder = patient(created.dossier_id)
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=nurse.id
    )
    dossier = await session.get(Dossier, created.dossier_id)
    return created.dossier_id, dossier, nurse, holder


async def test_a_blocked_nurse_reads_nothing_in_any_mode_yet_still_deposits(session, rt):
    dossier_id, dossier, nurse, holder = await _blocked_nurse(session, rt)
    # Authorized, the nurse reads the consultation report.
    await enforce(
        session,
        rt=rt,
        actor=nurse,
        action=Action.DOCUMENT_READ,
        dossier=dossier,
        document=CONSULTATION,
    )

    access = await block_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
    )
    assert access.state is AuthorizationState.BLOCKED
    assert (await last_trace(session, dossier_id)).target == f"block:{nurse.id}"

    emergency = in_break_glass(nurse)
    for actor in (nurse, emergency):
        facts = await facts_for(session, rt, dossier_id, actor)
        assert facts.actor_authorization is AuthorizationState.BLOCKED
        for action, document in (
            (Action.DOCUMENT_LIST, None),
            (Action.DOCUMENT_READ, CONSULTATION),
            (Action.DOSSIER_ADMIN_READ, None),
        ):
            decision = decide(actor, action, facts, document, context_for(rt))
            assert (decision.allowed, decision.reason.value) == (False, "blocked")
            with pytest.raises(AccessDenied) as refused:
                await enforce(
                    session, rt=rt, actor=actor, action=action, dossier=dossier, document=document
                )
            assert refused.value.fields["reason"] == "blocked"
            trace = await last_trace(session, dossier_id)
            assert (trace.outcome, trace.reason, trace.mode) == (
                "denied",
                "blocked",
                actor.mode.value,
            )

    # Feeding is not reading: the blocked nurse deposits, in either mode.
    for actor in (nurse, emergency):
        decision = await enforce(
            session,
            rt=rt,
            actor=actor,
            action=Action.DOCUMENT_ADD,
            dossier=dossier,
            document=CONSULTATION,
        )
        assert decision.allowed
    assert (await last_trace(session, dossier_id)).outcome == "allowed"


async def test_a_blocked_regulator_is_refused_too(session, rt):
    created = await a_dossier(session, rt)
    samu = regulator(make_rpps())
    await block_professional(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        professional_id=samu.id,
    )
    dossier = await session.get(Dossier, created.dossier_id)
    with pytest.raises(AccessDenied) as refused:
        await enforce(session, rt=rt, actor=samu, action=Action.DOCUMENT_LIST, dossier=dossier)
    assert refused.value.fields["reason"] == "blocked"


async def test_a_blocked_professional_cannot_declare_consent_to_get_back_in(session, rt):
    dossier_id, _, nurse, holder = await _blocked_nurse(session, rt)
    await block_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
    )
    with pytest.raises(AccessDenied) as refused:
        await in_unit_of_work(
            session, declare_consent(session, rt=rt, actor=nurse, dossier_id=dossier_id)
        )
    assert refused.value.fields["reason"] == "blocked"
    trace = await last_trace(session, dossier_id)
    assert (trace.action, trace.outcome) == (Action.ACCESS_DECLARE_CONSENT.value, "denied")
    facts = await facts_for(session, rt, dossier_id, nurse)
    assert facts.actor_authorization is AuthorizationState.BLOCKED


async def test_only_the_patient_side_unblocks(session, rt):
    dossier_id, dossier, nurse, holder = await _blocked_nurse(session, rt)
    doctor = await a_known_professional(session, rt)
    await designate_treating_physician(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=doctor.id
    )
    await block_professional(
        session, rt=rt, actor=doctor, dossier_id=dossier_id, professional_id=nurse.id
    )

    with pytest.raises(AccessDenied) as refused:
        await in_unit_of_work(
            session,
            unblock_professional(
                session, rt=rt, actor=doctor, dossier_id=dossier_id, professional_id=nurse.id
            ),
        )
    assert refused.value.fields["reason"] == "only_patient_unblocks"
    trace = await last_trace(session, dossier_id)
    assert (trace.action, trace.outcome, trace.target) == (
        Action.ACCESS_UNBLOCK.value,
        "denied",
        f"unblock:{nurse.id}",
    )
    assert (await facts_for(session, rt, dossier_id, nurse)).actor_authorization is (
        AuthorizationState.BLOCKED
    )

    access = await unblock_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
    )
    # Unblocking gives nothing back: the nurse must be authorized again to read.
    assert access.state is AuthorizationState.REVOKED
    with pytest.raises(AccessDenied) as still:
        await enforce(
            session, rt=rt, actor=nurse, action=Action.DOSSIER_ADMIN_READ, dossier=dossier
        )
    assert still.value.fields["reason"] == "not_authorized"
    again = await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
    )
    assert again.state is AuthorizationState.AUTHORIZED


async def test_the_legal_representative_unblocks_on_a_minors_dossier(session, rt):
    created = await a_dossier(session, rt, request=minor_request())
    parent = representative(created.dossier_id)
    nurse_id = make_rpps()
    await block_professional(
        session, rt=rt, actor=parent, dossier_id=created.dossier_id, professional_id=nurse_id
    )
    access = await unblock_professional(
        session, rt=rt, actor=parent, dossier_id=created.dossier_id, professional_id=nurse_id
    )
    assert access.state is AuthorizationState.REVOKED


async def test_blocking_twice_and_unblocking_the_unblocked_are_conflicts(session, rt):
    dossier_id, _, nurse, holder = await _blocked_nurse(session, rt)
    with pytest.raises(errors.NotBlocked):
        await in_unit_of_work(
            session,
            unblock_professional(
                session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
            ),
        )
    assert (await facts_for(session, rt, dossier_id, nurse)).actor_authorization is (
        AuthorizationState.AUTHORIZED
    )
    await block_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
    )
    before = len(await traces_of(session, dossier_id))
    with pytest.raises(errors.AlreadyBlocked) as refused:
        await in_unit_of_work(
            session,
            block_professional(
                session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
            ),
        )
    assert refused.value.status == 409
    assert len(await traces_of(session, dossier_id)) == before


async def test_an_id_unknown_to_the_directory_can_be_blocked(session, rt):
    created = await a_dossier(session, rt)
    unknown = make_rpps()
    access = await block_professional(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        professional_id=unknown,
    )
    assert (access.state, access.in_directory, access.family_name) == (
        AuthorizationState.BLOCKED,
        False,
        None,
    )


async def test_a_blocked_professional_is_neither_authorized_nor_designated(session, rt):
    dossier_id, _, nurse, holder = await _blocked_nurse(session, rt)
    await block_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
    )
    for work in (
        authorize_professional(
            session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
        ),
        designate_treating_physician(
            session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=nurse.id
        ),
    ):
        with pytest.raises(errors.ProfessionalBlocked):
            await in_unit_of_work(session, work)
    facts = await facts_for(session, rt, dossier_id, nurse)
    assert facts.actor_authorization is AuthorizationState.BLOCKED
    assert not facts.actor_is_treating_physician


async def test_the_patient_blocking_a_treating_physician_ends_the_designation(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctor = await a_known_professional(session, rt)
    await designate_treating_physician(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    access = await block_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    assert (access.state, access.role) == (AuthorizationState.BLOCKED, None)
    facts = await facts_for(session, rt, created.dossier_id, doctor)
    assert not facts.actor_is_treating_physician


async def test_a_treating_physician_blocks_a_professional_but_not_a_fellow_manager(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    first = await a_known_professional(session, rt, family_name="Premier")
    second = await a_known_professional(session, rt, family_name="Second")
    for doctor in (first, second):
        await designate_treating_physician(
            session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
        )
    with pytest.raises(errors.BlockingManagerReservedToPatient):
        await in_unit_of_work(
            session,
            block_professional(
                session,
                rt=rt,
                actor=first,
                dossier_id=created.dossier_id,
                professional_id=second.id,
            ),
        )
    facts = await facts_for(session, rt, created.dossier_id, second)
    assert facts.actor_is_treating_physician and facts.actor_authorization is None

    pharmacist = make_rpps()
    access = await block_professional(
        session, rt=rt, actor=first, dossier_id=created.dossier_id, professional_id=pharmacist
    )
    assert (access.state, access.state_set_by_kind) == (AuthorizationState.BLOCKED, "professional")
