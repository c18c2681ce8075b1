"""Who is asking for a patient page, and how pages are answered.

``signed_in`` is the HTML flavour of the session dependency: no session, an expired one or
a temporary password lead to the login pages (303) instead of a 401; every POST must
carry the session's anti-forgery token. ``visitor`` serves the pages before login with a
cookie-bound token. Both hand out the request's unit of work, committed before the
response leaves (a redirect never points at data not yet committed).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request

from dmp.auth.accounts import AccountKind
from dmp.auth.dependencies import session_cookie_name
from dmp.auth.login_errors import SessionExpired, WrongPortal
from dmp.auth.sessions import SessionView, check_csrf, resolve_session
from dmp.db.uow import unit_of_work
from dmp.dossiers.holder import HolderStanding, holder_standing
from dmp.policy import Actor, ActorKind
from dmp.portals.i18n import request_language
from dmp.portals.patient import labels
from dmp.portals.patient.formatting import Formatter
from dmp.portals.patient.security import (
    CSRF_FIELD,
    FORM_COOKIE,
    anonymous_csrf_token,
    check_anonymous_csrf,
    form_secret,
    set_private_cookie,
)
from dmp.portals.web import Page, render_page
from dmp.runtime import Runtime

HOME = "/mon-dmp"
LOGIN = "/connexion"
NEW_PASSWORD = "/connexion/nouveau-mot-de-passe"  # noqa: S105 - a page address
# Messages shown after a POST-redirect-GET, named in the URL (``?fait=archive``): the
# URL never carries free text that a link from elsewhere could make the page display.
DONE = {
    "ajoute": "Votre document a été ajouté à votre DMP.",
    "archive": "Le document a été archivé : il est maintenant dans « Documents archivés ».",
    "desarchive": "Le document est de nouveau parmi vos documents courants.",
    "selection-ajout": "Le document a été ajouté à « Mes sélections ».",
    "selection-retrait": "Le document a été retiré de « Mes sélections ».",
    "masque": "Le document est maintenant masqué aux professionnels de santé.",
    "demasque": "Le document est de nouveau visible par les professionnels autorisés.",
    "supprime": "Le document a été supprimé de votre DMP.",
    "autorise": "Le professionnel est maintenant autorisé à consulter votre DMP.",
    "retire": "L'autorisation du professionnel a été retirée.",
    "bloque": "Le professionnel est bloqué : il ne peut plus consulter votre DMP.",
    "debloque": "Le professionnel est débloqué. Il n'a pas d'autorisation pour autant.",
    "medecin-traitant": "Le médecin traitant DMP a été désigné.",
    "fin-medecin-traitant": "Ce professionnel n'est plus médecin traitant DMP.",
    "urgence": "Vos choix pour l'accès en cas d'urgence sont enregistrés.",
    "notifications": "Vos préférences de notification sont enregistrées.",
    "contacts-urgence": "Vos personnes à prévenir ont été mises à jour.",
    "coordonnees": "Votre nouvelle coordonnée est confirmée et enregistrée.",
    "mot-de-passe": "Votre mot de passe a été changé.",
    "reactive": "Votre DMP est de nouveau actif.",
    "suppression-demandee": "Votre demande de suppression des données est enregistrée.",
    "suppression-annulee": "Votre demande de suppression est annulée : vos données sont gardées.",
    "ferme": "Votre DMP est fermé.",
}


async def page_database(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.session_factory) as session:
        request.state.page_database = session
        yield session


# "function" scope: the unit of work ends when the handler returns, before the answer
# is sent, so a committed change precedes the redirect that shows it.
Database = Annotated[AsyncSession, Depends(page_database, scope="function")]


class Redirect(Exception):
    """Ends a request with a 303 to ``url`` (login pages, password change)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def with_query(url: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{url}?{query}" if query else url


def see_other(url: str, *, done: str | None = None, **params: str | None) -> RedirectResponse:
    return RedirectResponse(with_query(url, fait=done, **params), status_code=303)


def _common(request: Request, lang: str, context: Mapping[str, Any]) -> dict[str, Any]:
    done = DONE.get(request.query_params.get("fait", ""))
    return {"fmt": Formatter(lang), "L": labels, "done_message": done, **context}


def render(request: Request, page: Page) -> HTMLResponse:
    """The one place patient pages are rendered (tests watch it to read the context)."""
    return render_page(request, page)


@dataclass
class Visitor:
    """Someone not signed in: login and online creation."""

    request: Request
    session: AsyncSession
    rt: Runtime
    secret: str
    new_secret: bool
    lang: str = field(default="fr")

    def page(self, template: str, title: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        self.request.state.csrf_token = anonymous_csrf_token(self.secret)
        page = Page(template, _common(self.request, self.lang, context), status, title)
        response = render(self.request, page)
        if self.new_secret:
            set_private_cookie(response, self.rt, FORM_COOKIE, self.secret, max_age=None, path="/")
        return response

    async def form(self) -> FormData:
        form = await self.request.form()
        value = form.get(CSRF_FIELD)
        check_anonymous_csrf(self.request, value if isinstance(value, str) else None)
        return form


async def visitor(request: Request, session: Database) -> Visitor:
    secret, new = form_secret(request)
    return Visitor(request, session, runtime_of(request), secret, new, request_language(request))


VisitorPage = Annotated[Visitor, Depends(visitor)]


@dataclass
class Patient:
    """The holder or a legal representative, signed in, password replaced."""

    request: Request
    session: AsyncSession
    rt: Runtime
    view: SessionView
    standing: HolderStanding
    lang: str = field(default="fr")

    @property
    def actor(self) -> Actor:
        return self.view.actor

    @property
    def dossier_id(self) -> uuid.UUID:
        return self.standing.dossier_id

    @property
    def representative(self) -> bool:
        return self.actor.kind is ActorKind.LEGAL_REPRESENTATIVE

    def page(
        self, template: str, title: str, *, status: int = 200, section: str = "", **context: Any
    ) -> HTMLResponse:
        values = {
            "home_url": HOME,
            "standing": self.standing,
            "representative": self.representative,
            "section": section,
            **context,
        }
        page = Page(template, _common(self.request, self.lang, values), status, title)
        return render(self.request, page)

    async def form(self) -> FormData:
        return await self.request.form()  # checked by ``signed_in`` already


def _next_path(request: Request) -> str:
    path = request.url.path
    if request.method == "GET" and request.url.query:
        path += "?" + request.url.query
    return path


async def signed_in(request: Request, session: Database) -> Patient:
    rt = runtime_of(request)
    token = request.cookies.get(session_cookie_name(rt.settings))
    if not token:
        raise Redirect(with_query(LOGIN, suite=_next_path(request)))
    try:
        view = await resolve_session(session, rt=rt, token=token)
    except SessionExpired:
        raise Redirect(with_query(LOGIN, expiree="1", suite=_next_path(request))) from None
    if view.account_kind is not AccountKind.PATIENT:
        raise WrongPortal(audience="patients et représentants légaux")
    if view.must_change_password:
        raise Redirect(NEW_PASSWORD)
    if request.method not in ("GET", "HEAD"):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        check_csrf(view, value if isinstance(value, str) else None)
    request.state.csrf_token = view.csrf_token()
    request.state.portal_user = view.actor
    standing = await holder_standing(session, rt=rt, actor=view.actor)
    return Patient(request, session, rt, view, standing, request_language(request))


PatientPage = Annotated[Patient, Depends(signed_in)]


def safe_next(value: str | None) -> str:
    """Only a page of this portal: never an address elsewhere (open redirect)."""
    if value and value.startswith(HOME) and not value.startswith("//") and "\\" not in value:
        return value
    return HOME
