"""Restricting a minor's legal representatives to access "only with a doctor present"."""

from __future__ import annotations

import pytest

from dmp.access import errors
from dmp.access.enforce import enforce
from dmp.access.service import designate_treating_physician, restrict_legal_representatives
from dmp.dossiers.models import Dossier
from dmp.errors import AccessDenied
from dmp.policy import Action
from tests.builders.access import a_known_professional, in_unit_of_work, last_trace
from tests.builders.actors import patient, representative
from tests.builders.dossiers import a_dossier, minor_request


async def _minor_with_treating_physician(session, rt):
    created = await a_dossier(session, rt, request=minor_request())
    parent = representative(created.dossier_id)
    doctor = await a_known_professional(session, rt)
    await designate_treating_physician(
        session, rt=rt, actor=parent, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    return created.dossier_id, parent, doctor


async def test_a_restricted_representative_needs_a_doctor_present(session, rt):
    dossier_id, parent, doctor = await _minor_with_treating_physician(session, rt)

    await restrict_legal_representatives(
        session, rt=rt, actor=doctor, dossier_id=dossier_id, doctor_only=True
    )

    dossier = await session.get(Dossier, dossier_id)
    assert dossier.legal_representative_doctor_only is True
    trace = await last_trace(session, dossier_id)
    assert (trace.action, trace.target, trace.actor_id) == (
        Action.ACCESS_MANAGE.value,
        "restrict-representatives",
        doctor.id,
    )
    with pytest.raises(AccessDenied) as refused:
        await enforce(
            session, rt=rt, actor=parent, action=Action.DOSSIER_ADMIN_READ, dossier=dossier
        )
    assert refused.value.fields["reason"] == "doctor_presence_required"
    allowed = await enforce(
        session,
        rt=rt,
        actor=parent,
        action=Action.DOSSIER_ADMIN_READ,
        dossier=dossier,
        doctor_present=True,
    )
    assert allowed.allowed


async def test_the_representative_cannot_lift_their_own_restriction(session, rt):
    dossier_id, parent, doctor = await _minor_with_treating_physician(session, rt)
    await restrict_legal_representatives(
        session, rt=rt, actor=doctor, dossier_id=dossier_id, doctor_only=True
    )
    # Without a doctor present the policy refuses the restricted representative anything.
    with pytest.raises(AccessDenied) as refused:
        await restrict_legal_representatives(
            session, rt=rt, actor=parent, dossier_id=dossier_id, doctor_only=False
        )
    assert refused.value.fields["reason"] == "doctor_presence_required"
    assert (await session.get(Dossier, dossier_id)).legal_representative_doctor_only is True

    # The managers lift it; the representative may put it back on themself but never
    # lift it, whatever its state.
    await restrict_legal_representatives(
        session, rt=rt, actor=doctor, dossier_id=dossier_id, doctor_only=False
    )
    assert (await session.get(Dossier, dossier_id)).legal_representative_doctor_only is False
    assert (await last_trace(session, dossier_id)).target == "unrestrict-representatives"
    with pytest.raises(errors.RepresentativeCannotLiftRestriction):
        await in_unit_of_work(
            session,
            restrict_legal_representatives(
                session, rt=rt, actor=parent, dossier_id=dossier_id, doctor_only=False
            ),
        )
    await restrict_legal_representatives(
        session, rt=rt, actor=parent, dossier_id=dossier_id, doctor_only=True
    )
    assert (await session.get(Dossier, dossier_id)).legal_representative_doctor_only is True


async def test_setting_the_same_state_again_is_a_conflict(session, rt):
    dossier_id, _, doctor = await _minor_with_treating_physician(session, rt)
    with pytest.raises(errors.RestrictionUnchanged):
        await in_unit_of_work(
            session,
            restrict_legal_representatives(
                session, rt=rt, actor=doctor, dossier_id=dossier_id, doctor_only=False
            ),
        )


async def test_an_adults_dossier_has_no_representative_to_restrict(session, rt):
    created = await a_dossier(session, rt)
    with pytest.raises(errors.NoLegalRepresentative):
        await restrict_legal_representatives(
            session,
            rt=rt,
            actor=patient(created.dossier_id),
            dossier_id=created.dossier_id,
            doctor_only=True,
        )
    assert (await session.get(Dossier, created.dossier_id)).legal_representative_doctor_only is (
        False
    )
