"""A professional's own standing on a dossier (authorized, blocked, treating physician,
administrator), for the professional portal to offer the right actions.

It tells the professionals about themselves and nothing about the patient: no policy
decision and no trace, like the lookup answer that brought them to the dossier (which
was traced)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.repository import standings
from dmp.access.schemas import ProfessionalAccess
from dmp.policy import Actor, ActorKind


async def own_standing(
    session: AsyncSession, *, actor: Actor, dossier_id: uuid.UUID
) -> ProfessionalAccess | None:
    """None for anyone but a professional; a standing without state or role otherwise."""
    if actor.kind is not ActorKind.PROFESSIONAL:
        return None
    found = await standings(session, dossier_id, actor.id)
    return found[0] if found else ProfessionalAccess(national_id=actor.id)
