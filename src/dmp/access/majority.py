"""Minors at 18: the legal representatives lose access and the holder must consent again
to keep the dossier.

Two mechanisms agree. The lazy one: the facts loader computes minority from
``majority_on`` and the clock, so from the birthday on the policy refuses the
representatives (``representative_access_ended``) whether or not the job has run. The
daily job, ``process_majorities``, then makes it durable: it ends the representatives,
disables their accounts and opens the holder's consent period. A holder who has not
consented when the period ends (``majority_consent_months``, 6 by default) sees the
dossier closed with reason "other": the data are kept as after any closure (10 years,
reactivation possible with consent), nothing is destroyed.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access import errors
from dmp.access.enforce import enforce
from dmp.access.facts import is_minor_on
from dmp.access.models import MajorityConsent
from dmp.access.schemas import AccessOperation, MajorityConsentState, trace_target
from dmp.access.service import living_dossier
from dmp.dossiers.models import Dossier, LegalRepresentative, PatientAccount
from dmp.dossiers.schemas import ClosureReason, ConsentBy, CreationChannel
from dmp.dossiers.service import close_dossier, get_dossier
from dmp.policy import Action, Actor, ActorKind, DossierStatus
from dmp.runtime import Runtime

_JOB_NAME = "Traitement automatique (majorité)"
# The job's own actor for what the policy lets scheduled jobs do.
MAJORITY_JOB = Actor(kind=ActorKind.SYSTEM, id="job:majority", display_name=_JOB_NAME)
# The policy gives scheduled jobs (SYSTEM) no DOSSIER_CLOSE: the expiry closure is done in
# the operator's name, the operator running the worker, until the policy grants it.
_EXPIRY_CLOSER = Actor(kind=ActorKind.OPERATOR, id="job:majority", display_name=_JOB_NAME)

_CHANNELS = {
    ActorKind.PATIENT: CreationChannel.PATIENT_ONLINE,
    ActorKind.PROFESSIONAL: CreationChannel.PROFESSIONAL,
    ActorKind.COUNTER_AGENT: CreationChannel.COUNTER,
    ActorKind.SUPPORT: CreationChannel.COUNTER,
}


def add_months(at: datetime, months: int) -> datetime:
    """Same day ``months`` later, or the month's last day when it is shorter."""
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


async def process_majorities(session: AsyncSession, *, rt: Runtime) -> int:
    """The daily job: every active dossier whose holder is 18 today or earlier comes of
    age, and every consent period that ended without consent closes its dossier.
    Returns how many dossiers it changed (came of age + closed)."""
    today = rt.clock.now().date()
    due = (
        await session.execute(
            select(Dossier.id)
            .where(
                Dossier.is_minor.is_(True),
                Dossier.status == DossierStatus.ACTIVE.value,
                Dossier.majority_on <= today,
            )
            .order_by(Dossier.majority_on)
        )
    ).scalars()
    changed = 0
    for dossier_id in list(due):
        dossier = await get_dossier(session, dossier_id, lock=True)
        # Re-checked under the lock: a concurrent run or a consent may have been first.
        if dossier.is_minor and not is_minor_on(dossier, today):
            await _come_of_age(session, rt=rt, dossier=dossier)
            changed += 1
    return changed + await _close_expired(session, rt=rt)


async def _come_of_age(session: AsyncSession, *, rt: Runtime, dossier: Dossier) -> None:
    await enforce(
        session,
        rt=rt,
        actor=MAJORITY_JOB,
        action=Action.DOSSIER_ADMIN_UPDATE,
        dossier=dossier,
        target=trace_target(AccessOperation.COME_OF_AGE),
    )
    now = rt.clock.now()
    dossier.is_minor = False
    # Kept in clear only while needed to find the birthday; the restriction of the
    # representatives has no one left to apply to.
    dossier.majority_on = None
    dossier.legal_representative_doctor_only = False
    dossier.version += 1
    await session.execute(
        update(LegalRepresentative)
        .where(LegalRepresentative.dossier_id == dossier.id, LegalRepresentative.ended_at.is_(None))
        .values(ended_at=now)
    )
    await session.execute(
        update(PatientAccount)
        .where(
            PatientAccount.dossier_id == dossier.id,
            PatientAccount.role == "legal_representative",
            PatientAccount.disabled_at.is_(None),
        )
        .values(disabled_at=now)
    )
    session.add(
        MajorityConsent(
            dossier_id=dossier.id,
            came_of_age_at=now,
            due_at=add_months(now, rt.settings.majority_consent_months),
        )
    )
    await session.flush()


async def _close_expired(session: AsyncSession, *, rt: Runtime) -> int:
    now = rt.clock.now()
    expired = (
        await session.execute(
            select(MajorityConsent)
            .where(MajorityConsent.due_at <= now)
            .order_by(MajorityConsent.due_at)
        )
    ).scalars()
    closed = 0
    for pending in list(expired):
        dossier = await get_dossier(session, pending.dossier_id, lock=True)
        await session.delete(pending)
        await session.flush()
        # Closed by the holder meanwhile, or consent given another way (a reactivation
        # records a fresh consent): nothing left to do.
        if dossier.status != DossierStatus.ACTIVE.value or dossier.consent_at >= (
            pending.came_of_age_at
        ):
            continue
        await close_dossier(
            session,
            rt=rt,
            actor=_EXPIRY_CLOSER,
            dossier_id=dossier.id,
            reason=ClosureReason.OTHER,
        )
        closed += 1
    return closed


async def record_majority_consent(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> MajorityConsentState:
    """The holder who came of age consents to keep the dossier: themself in the portal,
    or through a counter agent or a professional (who may create a dossier with consent,
    hence the DOSSIER_CREATE permission they are checked against). Before the daily job
    has run on the birthday, the coming of age is carried out first."""
    dossier = await living_dossier(session, dossier_id, lock=True)
    patient = actor.kind is ActorKind.PATIENT
    action = Action.DOSSIER_ADMIN_UPDATE if patient else Action.DOSSIER_CREATE
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=action,
        dossier=dossier,
        target=trace_target(AccessOperation.MAJORITY_CONSENT),
    )
    today = rt.clock.now().date()
    if is_minor_on(dossier, today):
        raise errors.HolderStillMinor(majority_on=_french_date(dossier.majority_on))
    if dossier.is_minor and dossier.status == DossierStatus.ACTIVE.value:
        await _come_of_age(session, rt=rt, dossier=dossier)
    pending = await session.get(MajorityConsent, dossier_id)
    if pending is None:
        raise errors.MajorityConsentNotDue()
    now = rt.clock.now()
    dossier.consent_by = ConsentBy.HOLDER.value
    dossier.consent_at = now
    dossier.consent_channel = _CHANNELS.get(actor.kind, CreationChannel.OPERATOR).value
    dossier.consent_recorded_by = f"{actor.kind.value}:{actor.id}"[:64]
    dossier.version += 1
    await session.delete(pending)
    await session.flush()
    return MajorityConsentState(dossier_id=dossier.id, is_minor=False, consent_at=now)


async def majority_consent_state(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> MajorityConsentState:
    """For the holder's portal: is a renewed consent awaited, and until when."""
    dossier = await living_dossier(session, dossier_id)
    await enforce(session, rt=rt, actor=actor, action=Action.DOSSIER_ADMIN_READ, dossier=dossier)
    pending = await session.get(MajorityConsent, dossier_id)
    minor = is_minor_on(dossier, rt.clock.now().date())
    return MajorityConsentState(
        dossier_id=dossier.id,
        is_minor=minor,
        majority_on=dossier.majority_on if minor else None,
        # On the birthday itself the job may not have run yet: the consent is due all the same.
        consent_pending=pending is not None or (dossier.is_minor and not minor),
        consent_due_by=pending.due_at if pending else None,
        consent_at=dossier.consent_at,
    )


def _french_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"
