"""Break-glass, a prominent but deliberate flow: a page that says what it means, a reason
to state, a box to tick (and a confirmation dialog when JavaScript runs), then emergency
access for the rest of the session with a banner on every page. Refusals (the patient
opposed, or blocked this professional) are said in plain words."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from dmp.access.emergency import MAX_REASON, break_glass
from dmp.access.errors import EmergencyAccessNotNeeded
from dmp.errors import DmpError
from dmp.portals.i18n import request_language
from dmp.portals.pro.common import (
    Dossier,
    OnDossier,
    emergency_cookie,
    page,
    pro_router,
    set_emergency_cookie,
)
from dmp.portals.staff.messages import explain, refusal_reason
from dmp.portals.staff.portal import Db, Rt, fail

router = pro_router()
Text = Annotated[str, Form()]


def _form(
    request: Request,
    on: OnDossier,
    *,
    reason: str = "",
    error: str | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    context = {"reason": reason, "error": error, "refused": refused, "max_reason": MAX_REASON}
    return page(
        request, "pro/break_glass.html", context, title="Accès en urgence", status=status, on=on
    )


@router.get("/pro/dmp/{dossier_id}/bris-de-glace")
async def break_glass_form(request: Request, on: Dossier) -> Response:
    if on.emergency is not None:
        return RedirectResponse(f"/pro/dmp/{on.dossier_id}", status_code=303)
    return _form(request, on)


@router.post("/pro/dmp/{dossier_id}/bris-de-glace")
async def break_glass_confirm(
    request: Request, on: Dossier, session: Db, rt: Rt, reason: Text = "", confirm: Text = ""
) -> Response:
    if not confirm:
        return _form(
            request, on, reason=reason, status=400,
            error="Cochez la case pour confirmer qu'il s'agit d'une urgence.",
        )  # fmt: skip
    try:
        opened = await break_glass(
            session, rt=rt, actor=on.view.actor, dossier_id=on.dossier_id, reason=reason,
            bound_to=str(on.view.session_id),
        )  # fmt: skip
    except EmergencyAccessNotNeeded:
        return RedirectResponse(f"/pro/dmp/{on.dossier_id}", status_code=303)
    except DmpError as error:
        fail(request, error)
        message = explain(error, request_language(request))
        if refusal_reason(error) is not None:  # the policy said no: nothing to retry here
            return _form(request, on, refused=message, status=error.status)
        return _form(request, on, reason=reason, error=message, status=error.status)
    response = RedirectResponse(f"/pro/dmp/{on.dossier_id}", status_code=303)
    set_emergency_cookie(response, rt, on.dossier_id, opened.token)
    return response


@router.post("/pro/dmp/{dossier_id}/bris-de-glace/fin")
async def break_glass_end(on: Dossier) -> Response:
    response = RedirectResponse("/pro?urgence=fin", status_code=303)
    response.delete_cookie(emergency_cookie(on.dossier_id), path="/pro")
    return response
