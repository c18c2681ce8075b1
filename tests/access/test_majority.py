"""Minors at 18: representatives lose access, the holder must consent again, and the
dossier is closed if they never do. Time is moved with the frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dmp.access import errors
from dmp.access.majority import (
    add_months,
    majority_consent_state,
    process_majorities,
    record_majority_consent,
)
from dmp.access.models import MajorityConsent
from dmp.access.service import list_professionals
from dmp.dossiers.models import Dossier, LegalRepresentative, PatientAccount
from dmp.dossiers.schemas import Identity, Sex
from dmp.errors import AccessDenied
from tests.builders.access import facts_for, in_unit_of_work, last_trace, traces_of
from tests.builders.actors import counter_agent, patient, representative
from tests.builders.dossiers import a_dossier, minor_request


def _at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


async def _minor_born(session, rt, birth_date: date):
    request = minor_request(
        identity=Identity(
            family_name="Martin", given_names="Léo", birth_date=birth_date, sex=Sex.MALE
        )
    )
    created = await a_dossier(session, rt, request=request)
    return created.dossier_id


async def _dossier(session, dossier_id) -> Dossier:
    return (
        await session.execute(
            select(Dossier)
            .where(Dossier.id == dossier_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def test_before_the_18th_birthday_nothing_changes(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 9), 23, 59))
    parent = representative(dossier_id)

    assert (await facts_for(session, rt, dossier_id, parent)).is_minor
    await list_professionals(session, rt=rt, actor=parent, dossier_id=dossier_id)
    assert await process_majorities(session, rt=rt) == 0
    assert (await _dossier(session, dossier_id)).is_minor


async def test_on_the_birthday_the_representatives_are_refused_before_the_job_runs(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 10)))
    parent = representative(dossier_id)

    assert not (await facts_for(session, rt, dossier_id, parent)).is_minor
    with pytest.raises(AccessDenied) as refused:
        await list_professionals(session, rt=rt, actor=parent, dossier_id=dossier_id)
    assert refused.value.fields["reason"] == "representative_access_ended"
    trace = await last_trace(session, dossier_id)
    assert (trace.actor_kind, trace.outcome) == ("legal_representative", "denied")


async def test_the_job_ends_the_representatives_and_awaits_the_holders_consent(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 11), 2))

    assert await process_majorities(session, rt=rt) == 1

    dossier = await _dossier(session, dossier_id)
    assert (dossier.is_minor, dossier.majority_on) == (False, None)
    representatives = (
        await session.execute(
            select(LegalRepresentative).where(LegalRepresentative.dossier_id == dossier_id)
        )
    ).scalars()
    assert [r.ended_at for r in representatives] == [rt.clock.now()]
    accounts = (
        await session.execute(select(PatientAccount).where(PatientAccount.dossier_id == dossier_id))
    ).scalars()
    assert [(a.role, a.disabled_at) for a in accounts] == [("legal_representative", rt.clock.now())]
    pending = await session.get(MajorityConsent, dossier_id)
    assert pending.due_at == _at(date(2026, 9, 11), 2)
    trace = await last_trace(session, dossier_id)
    assert (trace.actor_kind, trace.target, trace.outcome) == ("system", "majority", "allowed")
    # A second run finds nothing left to do.
    assert await process_majorities(session, rt=rt) == 0


@pytest.mark.parametrize(
    ("now", "minor"),
    [
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), True),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), False),
    ],
)
async def test_born_on_29_february_comes_of_age_on_1_march(session, rt, now, minor):
    rt.clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    dossier_id = await _minor_born(session, rt, date(2008, 2, 29))
    rt.clock.set(now)
    assert (await facts_for(session, rt, dossier_id, representative(dossier_id))).is_minor is minor
    assert await process_majorities(session, rt=rt) == (0 if minor else 1)


async def test_the_holder_consents_again_in_the_portal(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 10), 8))
    await process_majorities(session, rt=rt)
    holder = patient(dossier_id, account_id="new-holder-account")
    pending = await majority_consent_state(session, rt=rt, actor=holder, dossier_id=dossier_id)
    assert (pending.is_minor, pending.consent_pending) == (False, True)
    assert pending.consent_due_by == _at(date(2026, 9, 10), 8)

    rt.clock.advance(timedelta(days=20))
    state = await record_majority_consent(session, rt=rt, actor=holder, dossier_id=dossier_id)

    assert state.consent_at == rt.clock.now()
    dossier = await _dossier(session, dossier_id)
    assert (dossier.consent_by, dossier.consent_at, dossier.consent_channel) == (
        "holder",
        rt.clock.now(),
        "patient_online",
    )
    assert await session.get(MajorityConsent, dossier_id) is None
    assert (await last_trace(session, dossier_id)).target == "majority-consent"
    after = await majority_consent_state(session, rt=rt, actor=holder, dossier_id=dossier_id)
    assert (after.consent_pending, after.consent_due_by) == (False, None)
    # Six months later the job leaves the dossier alone.
    rt.clock.advance(timedelta(days=200))
    assert await process_majorities(session, rt=rt) == 0
    assert (await _dossier(session, dossier_id)).status == "active"


async def test_a_counter_agent_records_the_consent_even_before_the_job_ran(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 10), 10))

    await record_majority_consent(session, rt=rt, actor=counter_agent(), dossier_id=dossier_id)

    dossier = await _dossier(session, dossier_id)
    assert (dossier.is_minor, dossier.consent_channel, dossier.consent_recorded_by) == (
        False,
        "counter",
        "counter_agent:agent-cpam-75-01",
    )
    assert await session.get(MajorityConsent, dossier_id) is None
    representatives = (
        await session.execute(
            select(LegalRepresentative.ended_at).where(LegalRepresentative.dossier_id == dossier_id)
        )
    ).scalars()
    assert list(representatives) == [rt.clock.now()]
    targets = [t.target for t in await traces_of(session, dossier_id)]
    assert targets[-2:] == ["majority-consent", "majority"]


async def test_consent_is_refused_before_majority_and_when_none_is_due(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    with pytest.raises(errors.HolderStillMinor) as refused:
        await in_unit_of_work(
            session,
            record_majority_consent(session, rt=rt, actor=counter_agent(), dossier_id=dossier_id),
        )
    assert "10/03/2026" in refused.value.message("fr")
    adult = await a_dossier(session, rt)
    with pytest.raises(errors.MajorityConsentNotDue):
        await record_majority_consent(
            session, rt=rt, actor=patient(adult.dossier_id), dossier_id=adult.dossier_id
        )


async def test_the_representative_cannot_consent_for_the_adult(session, rt):
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 10), 10))
    with pytest.raises(AccessDenied) as refused:
        await record_majority_consent(
            session, rt=rt, actor=representative(dossier_id), dossier_id=dossier_id
        )
    assert refused.value.fields["reason"] == "representative_access_ended"


async def test_without_consent_the_dossier_is_closed_when_the_period_ends(session, rt):
    rt.settings = rt.settings.model_copy(update={"majority_consent_months": 2})
    dossier_id = await _minor_born(session, rt, date(2008, 3, 10))
    rt.clock.set(_at(date(2026, 3, 10), 3))
    assert await process_majorities(session, rt=rt) == 1

    rt.clock.set(_at(date(2026, 5, 10), 2, 59))
    assert await process_majorities(session, rt=rt) == 0
    assert (await _dossier(session, dossier_id)).status == "active"

    rt.clock.set(_at(date(2026, 5, 10), 3))
    assert await process_majorities(session, rt=rt) == 1

    dossier = await _dossier(session, dossier_id)
    assert (dossier.status, dossier.closure_reason, dossier.closed_at) == (
        "closed",
        "other",
        rt.clock.now(),
    )
    assert dossier.purge_after is not None and dossier.purge_after.year == 2036
    assert await session.get(MajorityConsent, dossier_id) is None
    trace = await last_trace(session, dossier_id)
    assert (trace.action, trace.actor_id, trace.outcome) == (
        "dossier:close",
        "job:majority",
        "allowed",
    )


def test_months_are_added_calendar_wise():
    assert add_months(datetime(2026, 8, 31, 9, tzinfo=UTC), 6) == datetime(
        2027, 2, 28, 9, tzinfo=UTC
    )
    assert add_months(datetime(2027, 8, 31, tzinfo=UTC), 6) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 2) == datetime(2027, 1, 15, tzinfo=UTC)
