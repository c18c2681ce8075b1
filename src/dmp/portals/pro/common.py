"""What every page of the professional portal uses: the portal's identity, the signed-in
professional, the professional as they act on one dossier (in emergency mode when they
broke the glass in this session), and rendering with the break-glass banner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dmp.access.emergency import EmergencyPass, in_emergency, resume_break_glass
from dmp.auth.sessions import SessionView
from dmp.policy import Actor, ActorKind
from dmp.portals.staff.portal import (
    Db,
    Portal,
    Rt,
    error_page_of,
    render,
    route_class,
    signed_in,
)
from dmp.portals.web import Page
from dmp.runtime import Runtime

PRO = Portal(
    prefix="/pro",
    site_name="Espace professionnel",
    layout="pro/layout.html",
    kinds=frozenset({ActorKind.PROFESSIONAL}),
    audience="professionnels de santé",
    identifier_label="Identifiant national (RPPS ou ADELI)",
    identifier_hint="12 caractères, comme sur votre carte CPS ou e-CPS. Exemple : 810002345678",
)
error_page = error_page_of(PRO, "staff/error.html")
# The break-glass pass of one dossier lives in its own cookie, for this portal only.
EMERGENCY_COOKIE = "dmp_urgence_"


def pro_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=route_class(error_page))


ProSession = Annotated[SessionView, Depends(signed_in(PRO))]


@dataclass(frozen=True, slots=True)
class OnDossier:
    """The signed-in professional acting on one dossier."""

    view: SessionView
    actor: Actor  # in break-glass mode while the session's pass for this dossier holds
    dossier_id: uuid.UUID
    emergency: EmergencyPass | None


def emergency_cookie(dossier_id: uuid.UUID) -> str:
    return f"{EMERGENCY_COOKIE}{dossier_id.hex}"


def open_emergencies(request: Request) -> list[uuid.UUID]:
    """Dossiers this browser holds a pass for: only to point back to them in the banner
    (each pass is verified when the dossier is opened)."""
    found = []
    for name in request.cookies:
        if name.startswith(EMERGENCY_COOKIE):
            try:
                found.append(uuid.UUID(hex=name.removeprefix(EMERGENCY_COOKIE)))
            except ValueError:
                continue
    return found


async def on_dossier(
    request: Request, dossier_id: uuid.UUID, view: ProSession, session: Db, rt: Rt
) -> OnDossier:
    token = request.cookies.get(emergency_cookie(dossier_id))
    emergency = None
    if token:
        emergency = await resume_break_glass(
            session, rt=rt, actor=view.actor, dossier_id=dossier_id, token=token,
            bound_to=str(view.session_id),
        )  # fmt: skip
    actor = in_emergency(view.actor, emergency.reason) if emergency else view.actor
    return OnDossier(view, actor, dossier_id, emergency)


Dossier = Annotated[OnDossier, Depends(on_dossier)]


def set_emergency_cookie(
    response: Response, rt: Runtime, dossier_id: uuid.UUID, token: str
) -> None:
    response.set_cookie(
        emergency_cookie(dossier_id),
        token,
        httponly=True,
        samesite="strict",
        secure=rt.settings.public_base_url.startswith("https://"),
        path=PRO.prefix,
    )


def clear_emergency_cookies(request: Request, response: Response) -> None:
    for dossier_id in open_emergencies(request):
        response.delete_cookie(emergency_cookie(dossier_id), path=PRO.prefix)


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    title: str,
    status: int = 200,
    on: OnDossier | None = None,
) -> Response:
    values = dict(context or {})
    values.setdefault("open_emergencies", open_emergencies(request))
    if on is not None:
        values.setdefault("emergency", on.emergency)
        values.setdefault("dossier_id", on.dossier_id)
    return render(request, PRO, Page(template, values, status, title))
