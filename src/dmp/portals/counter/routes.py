"""The counter portal (``/guichet``), mounted by ``dmp.portals.router``."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.login import LoginStarted
from dmp.auth.professionals import begin_agent_login
from dmp.portals.counter import desk, operations
from dmp.portals.counter.common import COUNTER, error_page
from dmp.portals.staff.login import login_router
from dmp.runtime import Runtime


async def _begin(
    session: AsyncSession, rt: Runtime, identifier: str, password: str
) -> LoginStarted:
    return await begin_agent_login(session, rt=rt, login_id=identifier, password=password)


router = APIRouter(include_in_schema=False)
router.include_router(login_router(COUNTER, _begin, error_page))
router.include_router(desk.router)
router.include_router(operations.router)
