"""The professional portal (``/pro``), mounted by ``dmp.portals.router``."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.login import LoginStarted
from dmp.auth.professionals import begin_professional_login
from dmp.portals.pro import (
    documents,
    dossier,
    editing,
    emergency,
    management,
    reimbursements,
    search,
)
from dmp.portals.pro.common import PRO, clear_emergency_cookies, error_page
from dmp.portals.staff.login import login_router
from dmp.runtime import Runtime


async def _begin(
    session: AsyncSession, rt: Runtime, identifier: str, password: str
) -> LoginStarted:
    return await begin_professional_login(session, rt=rt, national_id=identifier, password=password)


router = APIRouter(include_in_schema=False)
router.include_router(login_router(PRO, _begin, error_page, on_logout=clear_emergency_cookies))
# Fixed paths (".../documents/ajout") before the parameterised ones they would match.
for part in (search, editing, emergency, management, reimbursements, documents, dossier):
    router.include_router(part.router)
