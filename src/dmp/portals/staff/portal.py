"""The plumbing the professional and counter portals share: who the portal is for, the
request's unit of work as pages need it, the signed-in dependency that sends strangers
to the login page, CSRF for forms shown before login, and portal-styled error pages.

Pages catch an expected refusal to show the form again with its message; the request
must then still end as the unit of work would have ended it (a lockout counter or a
denial's trace committed, anything else rolled back). ``fail`` records the refusal and
``portal_db`` replays it into the unit of work once the page is built.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.dependencies import current_session
from dmp.auth.login_errors import CsrfRefused, NotSignedIn, SessionExpired, WrongPortal
from dmp.auth.sessions import SessionView
from dmp.db.uow import unit_of_work
from dmp.errors import DmpError
from dmp.policy import ActorKind
from dmp.portals.i18n import request_language
from dmp.portals.web import Page, render_page
from dmp.runtime import Runtime
from dmp.web.deps import request_runtime

FORM_COOKIE = "dmp_staff_form"  # the anonymous forms' CSRF token (double submit)


@dataclass(frozen=True, slots=True)
class Portal:
    prefix: str  # "/pro"
    site_name: str  # shown in the header, translated by the templates
    layout: str  # the template every page of the portal extends
    kinds: frozenset[ActorKind]
    audience: str  # "professionnels de santé": completes WrongPortal's message
    identifier_label: str  # the login form's first field
    identifier_hint: str

    @property
    def login_url(self) -> str:
        return f"{self.prefix}/connexion"

    @property
    def password_url(self) -> str:
        return f"{self.prefix}/mot-de-passe"

    def context(self, **values: Any) -> dict[str, Any]:
        """What every page of the portal needs besides its own data."""
        return {
            "site_name": self.site_name,
            "home_url": self.prefix,
            "layout": self.layout,
            "portal": self,
            "nav": "",
            **values,
        }


class RedirectTo(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def fail(request: Request, error: DmpError) -> DmpError:
    """Records a refusal a page shows itself: ``portal_db`` ends the unit of work as if
    it had been raised (committed when ``keep_changes``, rolled back otherwise)."""
    request.state.failure = error
    return error


async def portal_db(request: Request) -> AsyncIterator[AsyncSession]:
    failure: DmpError | None = None
    try:
        async with unit_of_work(request.app.state.session_factory) as session:
            yield session
            failure = getattr(request.state, "failure", None)
            if failure is not None:
                raise failure
    except DmpError as error:
        if error is not failure:
            raise


Db = Annotated[AsyncSession, Depends(portal_db)]
Rt = Annotated[Runtime, Depends(request_runtime)]
ErrorPage = Callable[[Request, DmpError], Response]


def route_class(error_page: ErrorPage) -> type[APIRoute]:
    """Routes whose refusals become the portal's own error page (not the generic one),
    and whose ``RedirectTo`` becomes a 303."""

    class StaffRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    return await handler(request)
                except RedirectTo as redirect:
                    return RedirectResponse(redirect.url, status_code=303)
                except DmpError as error:
                    fail(request, error)
                    return error_page(request, error)

            return guarded

    return StaffRoute


def signed_in(
    portal: Portal, *, password_change: bool = False
) -> Callable[..., Awaitable[SessionView]]:
    """The live session of someone this portal is for; strangers go to the login page,
    a session that must first replace its password goes to that page."""

    async def dependency(request: Request, session: Db, rt: Rt) -> SessionView:
        try:
            view = await current_session(request, session, rt)
        except (NotSignedIn, SessionExpired):
            raise RedirectTo(portal.login_url) from None
        if view.actor.kind not in portal.kinds:
            raise WrongPortal(audience=portal.audience)
        if view.must_change_password and not password_change:
            raise RedirectTo(portal.password_url)
        request.state.csrf_token = view.csrf_token()
        request.state.portal_user = view.actor
        return view

    return dependency


# --- Forms shown before login: a double-submit token (cookie + hidden field). ---


def anonymous_form(request: Request) -> str:
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


def keep_form_cookie(request: Request, response: Response, rt: Runtime) -> Response:
    token = getattr(request.state, "csrf_token", "")
    if token and request.cookies.get(FORM_COOKIE) != token:
        response.set_cookie(
            FORM_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=rt.settings.public_base_url.startswith("https://"),
            path="/",
        )
    return response


async def check_anonymous_form(request: Request) -> None:
    """Refuses a pre-login form that does not carry the token of its own cookie."""
    cookie = request.cookies.get(FORM_COOKIE, "")
    presented = (await request.form()).get("csrf_token")
    if not (cookie and isinstance(presented, str) and hmac.compare_digest(cookie, presented)):
        raise CsrfRefused()
    request.state.csrf_token = cookie


def render(request: Request, portal: Portal, page: Page) -> Response:
    page.context = portal.context(**page.context)
    return render_page(request, page)


def error_page_of(portal: Portal, template: str) -> ErrorPage:
    def error_page(request: Request, error: DmpError) -> Response:
        from dmp.portals.staff.messages import explain

        language = request_language(request)
        context = {"message": explain(error, language), "code": error.code}
        return render(request, portal, Page(template, context, error.status, "Erreur"))

    return error_page
