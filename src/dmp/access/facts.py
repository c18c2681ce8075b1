"""Loads what ``policy.decide`` needs to know about a dossier and the actor's relation to it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.models import Authorization, TreatingPhysician
from dmp.dossiers.models import Dossier
from dmp.kit.clock import system_clock
from dmp.policy import Actor, ActorKind, AuthorizationState, DossierFacts, DossierStatus

_PROFESSIONAL_KINDS = (ActorKind.PROFESSIONAL, ActorKind.REGULATOR)


def is_minor_on(dossier: Dossier, today: date) -> bool:
    """Minority from the date, not only the stored flag: the representatives lose access
    on the 18th birthday itself, even before the daily majority job has run."""
    if not dossier.is_minor:
        return False
    return dossier.majority_on is None or today < dossier.majority_on


async def load_dossier_facts(
    session: AsyncSession, *, dossier: Dossier, actor: Actor, today: date | None = None
) -> DossierFacts:
    """``today`` comes from the runtime's clock (``enforce`` passes it); without it the
    system date is used, which only matters to minority on the day of the 18th birthday."""
    belongs = actor.dossier_id is not None and actor.dossier_id == str(dossier.id)
    authorization: AuthorizationState | None = None
    treating = administrator = False
    if actor.kind in _PROFESSIONAL_KINDS:
        state = await session.scalar(
            select(Authorization.state).where(
                Authorization.dossier_id == dossier.id,
                Authorization.professional_id == actor.id,
            )
        )
        authorization = AuthorizationState(state) if state else None
        role = await session.scalar(
            select(TreatingPhysician.role).where(
                TreatingPhysician.dossier_id == dossier.id,
                TreatingPhysician.professional_id == actor.id,
            )
        )
        treating = role == "treating_physician"
        administrator = role == "administrator"
    return DossierFacts(
        status=DossierStatus(dossier.status),
        is_minor=is_minor_on(dossier, today or system_clock.now().date()),
        btg_consent=dossier.btg_consent,
        etreat_consent=dossier.etreat_consent,
        masked_consent=dossier.masked_consent,
        legal_representative_doctor_only=dossier.legal_representative_doctor_only,
        actor_is_holder=belongs and actor.kind is ActorKind.PATIENT,
        actor_is_legal_representative=belongs and actor.kind is ActorKind.LEGAL_REPRESENTATIVE,
        actor_authorization=authorization,
        actor_is_treating_physician=treating,
        actor_is_administrator=administrator,
    )
