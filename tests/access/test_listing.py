"""The list of a dossier's professionals the patient's portal shows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmp.access.schemas import ManagerRole
from dmp.access.service import (
    authorize_professional,
    block_professional,
    designate_treating_physician,
    list_professionals,
    revoke_authorization,
)
from dmp.errors import AccessDenied
from dmp.policy import AuthorizationState
from tests.builders.access import a_known_professional, last_trace, make_rpps
from tests.builders.actors import patient
from tests.builders.dossiers import a_dossier


async def test_every_professional_with_their_state_name_profession_and_since_when(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    dossier_id = created.dossier_id
    doctor = await a_known_professional(session, rt, family_name="Laennec", given_names="René")
    pharmacist = await a_known_professional(session, rt, profession="21", family_name="Parmentier")
    former = await a_known_professional(session, rt, profession="70", family_name="Ancien")
    unknown = make_rpps()

    await designate_treating_physician(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=doctor.id
    )
    authorized_at = rt.clock.now()
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=pharmacist.id
    )
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=former.id
    )
    rt.clock.advance(timedelta(days=3))
    await revoke_authorization(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=former.id
    )
    await block_professional(
        session, rt=rt, actor=holder, dossier_id=dossier_id, professional_id=unknown
    )

    listed = await list_professionals(session, rt=rt, actor=holder, dossier_id=dossier_id)

    assert [p.national_id for p in listed] == [doctor.id, pharmacist.id, unknown, former.id]
    by_id = {p.national_id: p for p in listed}
    assert (by_id[doctor.id].role, by_id[doctor.id].state) == (ManagerRole.TREATING_PHYSICIAN, None)
    assert (by_id[doctor.id].given_names, by_id[doctor.id].profession_label) == ("René", "Médecin")
    assert by_id[pharmacist.id].profession_label == "Pharmacien"
    assert (by_id[pharmacist.id].state, by_id[pharmacist.id].state_since) == (
        AuthorizationState.AUTHORIZED,
        authorized_at,
    )
    assert (by_id[former.id].state, by_id[former.id].state_since) == (
        AuthorizationState.REVOKED,
        rt.clock.now(),
    )
    assert (by_id[unknown].state, by_id[unknown].in_directory) == (
        AuthorizationState.BLOCKED,
        False,
    )
    assert [p.can_read for p in listed] == [True, True, False, False]
    assert (await last_trace(session, dossier_id)).target == "list"


async def test_a_dossier_without_professionals_lists_none(session, rt):
    created = await a_dossier(session, rt)
    listed = await list_professionals(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id
    )
    assert listed == []


async def test_an_unrelated_professional_cannot_list_and_is_traced(session, rt):
    created = await a_dossier(session, rt)
    outsider = await a_known_professional(session, rt)
    with pytest.raises(AccessDenied):
        await list_professionals(session, rt=rt, actor=outsider, dossier_id=created.dossier_id)
    trace = await last_trace(session, created.dossier_id)
    assert (trace.actor_id, trace.outcome, trace.target) == (outsider.id, "denied", "list")
