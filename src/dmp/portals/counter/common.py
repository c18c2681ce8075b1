"""What every page of the counter portal uses: who it is for (counter agents of insurance
offices, establishments and pharmacies; support agents of DMP Info Service) and the
signed-in agent. The counter handles dossiers, never their medical content."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dmp.auth.login_errors import WrongPortal
from dmp.auth.sessions import SessionView
from dmp.policy import ActorKind
from dmp.portals.staff.portal import Portal, error_page_of, render, route_class, signed_in
from dmp.portals.web import Page

COUNTER = Portal(
    prefix="/guichet",
    site_name="Guichet DMP",
    layout="counter/layout.html",
    kinds=frozenset({ActorKind.COUNTER_AGENT, ActorKind.SUPPORT}),
    audience="agents d'accueil et d'assistance",
    identifier_label="Identifiant d'agent",
    identifier_hint="Celui que votre organisme vous a attribué. Exemple : guichet.cpam75",
)
error_page = error_page_of(COUNTER, "staff/error.html")


def counter_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=route_class(error_page))


AgentSession = Annotated[SessionView, Depends(signed_in(COUNTER))]


async def support_session(view: AgentSession) -> SessionView:
    """Unlocking accounts is the support line's job (DMP Info Service), not the counter's."""
    if view.actor.kind is not ActorKind.SUPPORT:
        raise WrongPortal(audience="agents de l'assistance (DMP Info Service)")
    return view


SupportSession = Annotated[SessionView, Depends(support_session)]


def is_support(view: SessionView) -> bool:
    return view.actor.kind is ActorKind.SUPPORT


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    title: str,
    status: int = 200,
) -> Response:
    return render(request, COUNTER, Page(template, dict(context or {}), status, title))
