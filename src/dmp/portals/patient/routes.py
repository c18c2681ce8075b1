"""The patient portal "Mon DMP": every page of the holder and of legal representatives,
mounted by ``dmp.portals.router``. Each ``pages_*`` module is one part of the portal."""

from __future__ import annotations

from fastapi import APIRouter

from dmp.portals.patient import (
    pages_add,
    pages_creation,
    pages_document,
    pages_history,
    pages_home,
    pages_information,
    pages_lifecycle,
    pages_login,
    pages_manage,
    pages_reimbursements,
    pages_settings,
)

router = APIRouter(include_in_schema=False)
for part in (
    pages_creation,
    pages_login,
    pages_home,
    pages_document,
    pages_add,
    pages_reimbursements,
    pages_manage,
    pages_settings,
    pages_information,
    pages_history,
    pages_lifecycle,
):
    router.include_router(part.router)
