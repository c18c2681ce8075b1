"""Break-glass from a browser session: the deliberate step, its refusals, and the sealed
pass that carries the emergency for the rest of the session only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmp.access import errors
from dmp.access.emergency import BREAK_GLASS_TARGET, break_glass, resume_break_glass
from dmp.access.service import authorize_professional, block_professional
from dmp.dossiers.administration import set_emergency_consents
from dmp.errors import AccessDenied
from dmp.policy import AccessMode, Action
from tests.builders.access import a_known_professional, in_unit_of_work, last_trace
from tests.builders.actors import counter_agent, patient
from tests.builders.dossiers import a_dossier

REASON = "Patiente inconsciente admise au déchocage"
SESSION = "session-1"


async def test_breaking_the_glass_is_traced_and_yields_a_pass(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)

    opened = await break_glass(
        session, rt=rt, actor=doctor, dossier_id=created.dossier_id, reason=f"  {REASON}\n",
        bound_to=SESSION,
    )  # fmt: skip

    assert (opened.reason, opened.started_at) == (REASON, rt.clock.now())
    trace = await last_trace(session, created.dossier_id)
    assert (trace.action, trace.target, trace.mode, trace.outcome) == (
        Action.DOCUMENT_LIST.value,
        BREAK_GLASS_TARGET,
        AccessMode.BREAK_GLASS.value,
        "allowed",
    )
    assert trace.detail_ct is not None and REASON.encode() not in trace.detail_ct
    resumed = await resume_break_glass(
        session, rt=rt, actor=doctor, dossier_id=created.dossier_id, token=opened.token,
        bound_to=SESSION,
    )  # fmt: skip
    assert resumed is not None and resumed.reason == REASON
    assert REASON.encode() not in opened.token.encode()


async def test_the_pass_opens_only_in_its_session_for_its_professional_and_its_time(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    other = await a_known_professional(session, rt)
    opened = await break_glass(
        session, rt=rt, actor=doctor, dossier_id=created.dossier_id, reason=REASON,
        bound_to=SESSION,
    )  # fmt: skip

    async def resume(actor=doctor, token=opened.token, bound_to=SESSION, dossier_id=None):
        return await resume_break_glass(
            session, rt=rt, actor=actor, dossier_id=dossier_id or created.dossier_id,
            token=token, bound_to=bound_to,
        )  # fmt: skip

    assert await resume(bound_to="session-2") is None
    assert await resume(actor=other) is None
    assert await resume(token=opened.token[:-4] + "AAAA") is None
    assert await resume(token="not base64 !") is None
    another = await a_dossier(session, rt)
    assert await resume(dossier_id=another.dossier_id) is None
    rt.clock.advance(timedelta(hours=rt.settings.session_absolute_hours, minutes=1))
    assert await resume() is None


async def test_refused_and_traced_when_the_patient_opposed(session, rt):
    created = await a_dossier(session, rt)
    await set_emergency_consents(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id,
        btg=False, etreat=True, masked=False,
    )  # fmt: skip
    doctor = await a_known_professional(session, rt)
    with pytest.raises(AccessDenied) as refused:
        await in_unit_of_work(
            session,
            break_glass(
                session, rt=rt, actor=doctor, dossier_id=created.dossier_id, reason=REASON,
                bound_to=SESSION,
            ),
        )  # fmt: skip
    assert refused.value.fields["reason"] == "break_glass_opposed"
    trace = await last_trace(session, created.dossier_id)
    assert (trace.mode, trace.outcome, trace.reason) == (
        "break_glass",
        "denied",
        "break_glass_opposed",
    )


async def test_refused_when_the_patient_blocked_this_professional(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    await block_professional(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id,
        professional_id=doctor.id,
    )  # fmt: skip
    with pytest.raises(AccessDenied) as refused:
        await break_glass(
            session, rt=rt, actor=doctor, dossier_id=created.dossier_id, reason=REASON,
            bound_to=SESSION,
        )  # fmt: skip
    assert refused.value.fields["reason"] == "blocked"


async def test_a_reason_is_required_and_only_professionals_break_the_glass(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(errors.BreakGlassReasonRequired):
            await break_glass(
                session, rt=rt, actor=doctor, dossier_id=created.dossier_id, reason=reason,
                bound_to=SESSION,
            )  # fmt: skip
    with pytest.raises(AccessDenied):
        await break_glass(
            session, rt=rt, actor=counter_agent(), dossier_id=created.dossier_id, reason=REASON,
            bound_to=SESSION,
        )  # fmt: skip


async def test_an_authorized_professional_needs_no_emergency(session, rt):
    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    await authorize_professional(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id,
        professional_id=doctor.id,
    )  # fmt: skip
    with pytest.raises(errors.EmergencyAccessNotNeeded):
        await break_glass(
            session, rt=rt, actor=doctor, dossier_id=created.dossier_id, reason=REASON,
            bound_to=SESSION,
        )  # fmt: skip


async def test_a_professional_reads_their_own_standing_and_nobody_elses(session, rt):
    from dmp.access.standing import own_standing
    from dmp.policy import AuthorizationState

    created = await a_dossier(session, rt)
    doctor = await a_known_professional(session, rt)
    before = await own_standing(session, actor=doctor, dossier_id=created.dossier_id)
    assert before is not None and (before.state, before.role, before.can_read) == (
        None,
        None,
        False,
    )
    await authorize_professional(
        session, rt=rt, actor=patient(created.dossier_id), dossier_id=created.dossier_id,
        professional_id=doctor.id,
    )  # fmt: skip
    after = await own_standing(session, actor=doctor, dossier_id=created.dossier_id)
    assert after is not None and after.state is AuthorizationState.AUTHORIZED and after.can_read
    assert await own_standing(session, actor=counter_agent(), dossier_id=created.dossier_id) is None
