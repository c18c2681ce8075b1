"""The daily jobs with a moving clock: pharmacy retention by kind of medicine, the end
of a closed dossier, long-expired creation codes, the coming of age."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from dmp.dossiers.codes import issue_creation_code
from dmp.dossiers.models import CreationCode, Dossier
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.feeds.actors import DOSSIER_PHARMACEUTIQUE
from dmp.feeds.dispensations import list_dispensations, store_dispensations, visibility_months
from dmp.feeds.schemas import DispensationIn
from dmp.jobs import tasks
from dmp.jobs.scheduler import JobContext
from tests.builders.actors import counter_agent, patient
from tests.builders.dossiers import a_dossier, adult_request, minor_request
from tests.builders.feeds import savepoint_factory
from tests.builders.nirs import make_nir


def test_the_retention_periods_are_read_from_the_reference():
    assert visibility_months() == {"ordinary": 4, "vaccine": 21 * 12, "biological": 36}


async def test_dispensations_disappear_when_their_kind_s_period_ends(session, rt, clock):
    nir = make_nir("2", 60)
    created = await a_dossier(session, rt, request=adult_request(nir=nir))
    today = clock.now().date()
    items = [
        DispensationIn(nir=nir, dispensed_on=today, kind=kind, label=f"Médicament {kind}")
        for kind in ("ordinary", "vaccine", "biological")
    ]
    report = await store_dispensations(session, rt=rt, actor=DOSSIER_PHARMACEUTIQUE, items=items)
    assert report.stored == 3
    context = JobContext(savepoint_factory(session), rt)
    holder = patient(created.dossier_id)

    async def visible() -> list[str]:
        listed = await list_dispensations(
            session, rt=rt, actor=holder, dossier_id=created.dossier_id
        )
        return sorted(d.kind for d in listed)

    clock.set(clock.now() + timedelta(days=122))  # 2 July: the 4 months end on 2 July
    assert await tasks.pharmacy_retention(context) == "0 dispensation(s) removed"
    clock.advance(timedelta(days=1))
    assert await tasks.pharmacy_retention(context) == "1 dispensation(s) removed"
    assert await visible() == ["biological", "vaccine"]
    clock.set(clock.now().replace(year=2029, month=3, day=3))
    await tasks.pharmacy_retention(context)
    assert await visible() == ["vaccine"]
    clock.set(clock.now().replace(year=2047, month=3, day=3))
    await tasks.pharmacy_retention(context)
    assert await visible() == []


async def test_an_expired_dispensation_is_not_even_stored(session, rt, clock):
    nir = make_nir("1", 61)
    await a_dossier(session, rt, request=adult_request(nir=nir))
    old = date(2025, 10, 1)  # more than 4 months before 2 March 2026
    item = DispensationIn(nir=nir, dispensed_on=old, kind="ordinary", label="Ancien")
    report = await store_dispensations(session, rt=rt, actor=DOSSIER_PHARMACEUTIQUE, items=[item])
    assert (report.stored, report.expired) == (0, 1)


async def test_a_closed_dossier_is_purged_ten_years_later(session, rt, clock):
    created = await a_dossier(session, rt)
    await close_dossier(
        session,
        rt=rt,
        actor=counter_agent(),
        dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )
    context = JobContext(savepoint_factory(session), rt)
    assert await tasks.dossier_purge(context) == "0 dossier(s) purged"
    clock.advance(timedelta(days=3653))
    assert await tasks.dossier_purge(context) == "1 dossier(s) purged"
    dossier = await session.get(Dossier, created.dossier_id)
    await session.refresh(dossier)
    assert (dossier.status, dossier.wrapped_key) == ("purged", None)
    assert await tasks.dossier_purge(context) == "0 dossier(s) purged"  # idempotent


async def test_long_expired_unused_creation_codes_are_deleted(session, rt, clock):
    nir = make_nir("2", 62)
    await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    context = JobContext(savepoint_factory(session), rt)
    clock.advance(timedelta(days=rt.settings.creation_code_validity_days + 89))
    assert await tasks.creation_codes(context) == "0 code(s) deleted"
    clock.advance(timedelta(days=2))
    assert await tasks.creation_codes(context) == "1 code(s) deleted"
    assert (await session.execute(select(CreationCode))).first() is None


async def test_the_majority_job_is_run_daily(session, rt, clock):
    request = minor_request(nir=make_nir("1", 8))
    created = await a_dossier(session, rt, request=request)
    dossier = await session.get(Dossier, created.dossier_id)
    clock.set(clock.now().replace(year=dossier.majority_on.year + 1))
    context = JobContext(savepoint_factory(session), rt)
    assert await tasks.majority(context) == "1 dossier(s) changed"
    await session.refresh(dossier)
    assert dossier.is_minor is False
