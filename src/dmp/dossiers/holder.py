"""Where the signed-in holder's or legal representative's own dossier stands (active or
closed, until when it is kept, the representatives' restriction): what the patient
portal needs on every page to show the right banner and the right actions.

Not an access decision and not traced: like the login that resolved the account to its
dossier, it tells the account's owner only the state of the dossier they belong to, and
nothing of its content. Every read and change of the content still goes through
``access.enforce``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.facts import is_minor_on
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied
from dmp.policy import Actor, ActorKind, DossierStatus, Reason
from dmp.runtime import Runtime

_HOLDER_SIDE = (ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE)


@dataclass(frozen=True, slots=True)
class HolderStanding:
    dossier_id: uuid.UUID
    status: DossierStatus
    is_minor: bool
    created_at: datetime
    closed_at: datetime | None
    purge_after: datetime | None
    deletion_requested: bool
    representatives_doctor_only: bool
    majority_on: date | None

    @property
    def active(self) -> bool:
        return self.status is DossierStatus.ACTIVE


async def holder_standing(session: AsyncSession, *, rt: Runtime, actor: Actor) -> HolderStanding:
    """The standing of the dossier ``actor``'s account belongs to; refused to anyone but
    the patient side, and for a purged dossier (it no longer exists)."""
    if actor.kind not in _HOLDER_SIDE or not actor.dossier_id:
        raise AccessDenied(reason=Reason.NOT_HOLDER.value, action="dossier:standing")
    dossier = await get_dossier(session, uuid.UUID(actor.dossier_id))
    if dossier.status == DossierStatus.PURGED.value:
        raise AccessDenied(reason=Reason.DOSSIER_PURGED.value, action="dossier:standing")
    return HolderStanding(
        dossier_id=dossier.id,
        status=DossierStatus(dossier.status),
        is_minor=is_minor_on(dossier, rt.clock.now().date()),
        created_at=dossier.created_at,
        closed_at=dossier.closed_at,
        purge_after=dossier.purge_after,
        deletion_requested=dossier.deletion_requested,
        representatives_doctor_only=dossier.legal_representative_doctor_only,
        majority_on=dossier.majority_on,
    )
