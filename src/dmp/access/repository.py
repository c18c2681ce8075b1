"""Queries on the stored grants of a dossier, joined to the professional directory."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.models import Authorization, TreatingPhysician
from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.identity.models import Professional
from dmp.policy import AuthorizationState
from dmp.reference import professions


async def get_authorization(
    session: AsyncSession, dossier_id: uuid.UUID, professional_id: str
) -> Authorization | None:
    return await session.get(Authorization, (dossier_id, professional_id))


async def get_designation(
    session: AsyncSession, dossier_id: uuid.UUID, professional_id: str
) -> TreatingPhysician | None:
    return await session.get(TreatingPhysician, (dossier_id, professional_id))


async def in_directory(session: AsyncSession, professional_id: str) -> bool:
    found = await session.scalar(
        select(Professional.national_id).where(Professional.national_id == professional_id)
    )
    return found is not None


async def standings(
    session: AsyncSession, dossier_id: uuid.UUID, professional_id: str | None = None
) -> list[ProfessionalAccess]:
    """Every professional with a row on the dossier (or just one), with directory names:
    three queries whatever the number of professionals."""
    grants = select(Authorization).where(Authorization.dossier_id == dossier_id)
    roles = select(TreatingPhysician).where(TreatingPhysician.dossier_id == dossier_id)
    if professional_id is not None:
        grants = grants.where(Authorization.professional_id == professional_id)
        roles = roles.where(TreatingPhysician.professional_id == professional_id)
    by_id = {a.professional_id: a for a in (await session.execute(grants)).scalars()}
    designations = {t.professional_id: t for t in (await session.execute(roles)).scalars()}
    ids = set(by_id) | set(designations)
    if not ids:
        return []
    directory = {
        p.national_id: p
        for p in (
            await session.execute(select(Professional).where(Professional.national_id.in_(ids)))
        ).scalars()
    }
    labels = professions()
    result = []
    for national_id in ids:
        grant = by_id.get(national_id)
        designation = designations.get(national_id)
        person = directory.get(national_id)
        result.append(
            ProfessionalAccess(
                national_id=national_id,
                family_name=person.family_name if person else None,
                given_names=person.given_names if person else None,
                profession_code=person.profession_code if person else None,
                profession_label=labels.get(person.profession_code) if person else None,
                in_directory=person is not None,
                state=AuthorizationState(grant.state) if grant else None,
                state_since=grant.updated_at if grant else None,
                state_set_by_kind=grant.granted_by_kind if grant else None,
                declared_consent=grant.declared_consent if grant else False,
                role=ManagerRole(designation.role) if designation else None,
                role_since=designation.created_at if designation else None,
            )
        )
    result.sort(key=_portal_order)
    return result


_STATE_ORDER = {
    AuthorizationState.AUTHORIZED: 0,
    None: 1,
    AuthorizationState.BLOCKED: 2,
    AuthorizationState.REVOKED: 3,
}


def _portal_order(access: ProfessionalAccess) -> tuple[int, int, str, str]:
    # Managers first, then who can read, then blocked, then past authorizations.
    return (
        0 if access.role is not None else 1,
        _STATE_ORDER[access.state],
        (access.family_name or "").casefold(),
        access.national_id,
    )
