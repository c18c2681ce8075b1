"""The access history the holder reads: every access, allowed or refused, in words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmp.access.service import authorize_professional, block_professional
from dmp.audit.history import ACTION_LABELS, REASON_LABELS, read_access_history
from dmp.dossiers.administration import read_administrative_data, set_emergency_consents
from dmp.errors import AccessDenied
from dmp.policy import AccessMode, Action, Reason
from tests.builders.access import (
    a_known_professional,
    in_break_glass,
    in_unit_of_work,
    last_trace,
)
from tests.builders.actors import counter_agent, patient, representative
from tests.builders.dossiers import a_dossier, minor_request

REASON = "Patient inconscient aux urgences, allergies à vérifier"


async def _read_in_emergency(session, rt, dossier_id, reason=REASON):
    urgentist = await a_known_professional(session, rt, family_name="Larrey", given_names="Jean")
    emergency = in_break_glass(urgentist, reason)
    await read_administrative_data(session, rt=rt, actor=emergency, dossier_id=dossier_id)
    return urgentist


async def test_the_holder_sees_a_break_glass_access_flagged_with_its_reason(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    urgentist = await _read_in_emergency(session, rt, created.dossier_id)

    page = await read_access_history(session, rt=rt, actor=holder, dossier_id=created.dossier_id)

    emergency = next(e for e in page.entries if e.mode == "break_glass")
    assert emergency.emergency and not emergency.denied
    assert (emergency.mode_label, emergency.break_glass_reason) == ("bris de glace", REASON)
    assert (emergency.actor_name, emergency.actor_national_id) == ("Jean Larrey", urgentist.id)
    assert (emergency.profession_code, emergency.profession_label) == ("10", "Médecin")
    assert emergency.action_label == "Consultation des données administratives"
    assert emergency.outcome_label == "autorisé"
    assert emergency.at == rt.clock.now()
    # Reading the history is itself an access, traced.
    trace = await last_trace(session, created.dossier_id)
    assert (trace.action, trace.actor_kind) == (Action.TRACE_READ.value, "patient")


async def test_refusals_are_in_the_history_with_their_reason(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    await set_emergency_consents(
        session,
        rt=rt,
        actor=holder,
        dossier_id=created.dossier_id,
        btg=False,
        etreat=True,
        masked=False,
    )
    outsider = await a_known_professional(session, rt, family_name="Dehors")
    for actor in (outsider, in_break_glass(outsider)):
        with pytest.raises(AccessDenied):
            await in_unit_of_work(
                session,
                read_administrative_data(
                    session, rt=rt, actor=actor, dossier_id=created.dossier_id
                ),
            )

    page = await read_access_history(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=outsider.id
    )

    assert [(e.mode, e.outcome_label) for e in page.entries] == [
        ("break_glass", "refusé : vous vous êtes opposé(e) au bris de glace"),
        ("normal", "refusé : professionnel non autorisé"),
    ]


async def test_management_actions_are_told_in_words(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctor = await a_known_professional(session, rt, family_name="Laennec", given_names="René")
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    await block_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    page = await read_access_history(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    assert [e.action_label for e in page.entries] == [
        "Blocage de René Laennec (Médecin)",
        "Autorisation d'accès donnée à René Laennec (Médecin)",
    ]
    assert {e.target_professional_id for e in page.entries} == {doctor.id}


async def test_filters_by_period_and_mode_and_pages_by_seq(session, rt):
    created = await a_dossier(session, rt)  # seq 1: creation at the counter
    dossier_id = created.dossier_id
    holder = patient(dossier_id)
    start = rt.clock.now()
    for _ in range(3):  # seq 2, 3, 4
        rt.clock.advance(timedelta(days=1))
        await read_administrative_data(session, rt=rt, actor=holder, dossier_id=dossier_id)
    rt.clock.advance(timedelta(days=1))
    await _read_in_emergency(session, rt, dossier_id)  # seq 5
    rt.clock.advance(timedelta(days=1))

    emergencies = await read_access_history(
        session, rt=rt, actor=holder, dossier_id=dossier_id, mode=AccessMode.BREAK_GLASS
    )
    assert [e.seq for e in emergencies.entries] == [5]

    window = await read_access_history(
        session,
        rt=rt,
        actor=holder,
        dossier_id=dossier_id,
        since=start + timedelta(days=2),
        until=start + timedelta(days=4),
    )
    assert [e.seq for e in window.entries] == [4, 3]

    first = await read_access_history(session, rt=rt, actor=holder, dossier_id=dossier_id, limit=3)
    # seq 6 and 7 are the two history reads above; 8 is this one.
    assert [e.seq for e in first.entries] == [8, 7, 6]
    assert first.next_before_seq == 6
    pages = [first]
    while pages[-1].next_before_seq is not None:
        pages.append(
            await read_access_history(
                session,
                rt=rt,
                actor=holder,
                dossier_id=dossier_id,
                limit=3,
                before_seq=pages[-1].next_before_seq,
            )
        )
    assert [[e.seq for e in p.entries] for p in pages] == [[8, 7, 6], [5, 4, 3], [2, 1]]


async def test_only_the_holder_reads_the_break_glass_reason(session, rt):
    created = await a_dossier(session, rt, request=minor_request())
    await _read_in_emergency(session, rt, created.dossier_id)
    page = await read_access_history(
        session, rt=rt, actor=representative(created.dossier_id), dossier_id=created.dossier_id
    )
    emergency = next(e for e in page.entries if e.mode == "break_glass")
    assert (emergency.mode_label, emergency.break_glass_reason) == ("bris de glace", None)


async def test_counter_agents_and_unrelated_professionals_read_no_history(session, rt):
    created = await a_dossier(session, rt)
    outsider = await a_known_professional(session, rt)
    for actor, reason in ((counter_agent(), "action_not_permitted"), (outsider, "not_manager")):
        with pytest.raises(AccessDenied) as refused:
            await read_access_history(session, rt=rt, actor=actor, dossier_id=created.dossier_id)
        assert refused.value.fields["reason"] == reason
        trace = await last_trace(session, created.dossier_id)
        assert (trace.action, trace.outcome) == (Action.TRACE_READ.value, "denied")


def test_every_action_and_reason_has_french_words():
    assert set(ACTION_LABELS) == {a.value for a in Action}
    assert set(REASON_LABELS) == {r.value for r in Reason}
