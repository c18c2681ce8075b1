"""The login pages of the professional and counter portals (e-CPS style): identifier and
password, then a one-time code sent by e-mail or SMS, then the session cookie; a first
login with a temporary password goes through the password page. Same lockout rules as
everyone (three failures, fifteen minutes), enforced by the auth services."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import Channel
from dmp.auth.credentials import change_password
from dmp.auth.dependencies import clear_session_cookie, session_token_of, set_session_cookie
from dmp.auth.login import LoginStarted, complete_login, send_login_code
from dmp.auth.sessions import SessionView
from dmp.auth.sessions import logout as end_session
from dmp.errors import DmpError, InvalidInput
from dmp.portals.i18n import request_language
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import (
    Db,
    ErrorPage,
    Portal,
    Rt,
    anonymous_form,
    check_anonymous_form,
    fail,
    keep_form_cookie,
    render,
    route_class,
    signed_in,
)
from dmp.portals.web import Page
from dmp.runtime import Runtime

BeginLogin = Callable[[AsyncSession, Runtime, str, str], Awaitable[LoginStarted]]
Field = Annotated[str, Form()]


def login_router(
    portal: Portal,
    begin: BeginLogin,
    error_page: ErrorPage,
    *,
    on_logout: Callable[[Request, Response], None] | None = None,
) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=route_class(error_page))
    prefix = portal.prefix
    Session = Annotated[SessionView, Depends(signed_in(portal, password_change=True))]

    def page(
        request: Request, rt: Runtime, template: str, status: int = 200, **context: Any
    ) -> Response:
        title = context.pop("title", "Connexion")
        response = render(request, portal, Page(f"staff/{template}", context, status, title))
        return keep_form_cookie(request, response, rt)

    def refused(request: Request, error: DmpError) -> str:
        fail(request, error)
        return explain(error, request_language(request))

    def next_step(request: Request, rt: Runtime, started: LoginStarted) -> Response:
        if started.sent_to is None:
            return page(request, rt, "login_channel.html", started=started)
        destination = next(c.destination for c in started.channels if c.channel is started.sent_to)
        return page(
            request, rt, "login_code.html", challenge_id=started.challenge_id,
            channel=started.sent_to.value, destination=destination,
        )  # fmt: skip

    @router.get(f"{prefix}/connexion")
    async def login_form(request: Request, rt: Rt) -> Response:
        anonymous_form(request)
        ended = request.query_params.get("fin") == "1"
        return page(request, rt, "login.html", identifier="", error=None, ended=ended)

    @router.post(f"{prefix}/connexion")
    async def login(
        request: Request, session: Db, rt: Rt, identifier: Field = "", password: Field = ""
    ) -> Response:
        await check_anonymous_form(request)
        try:
            started = await begin(session, rt, identifier.strip(), password)
        except DmpError as error:
            message = refused(request, error)
            return page(
                request, rt, "login.html", error.status, identifier=identifier, error=message,
                ended=False,
            )  # fmt: skip
        return next_step(request, rt, started)

    @router.post(f"{prefix}/connexion/canal")
    async def choose_channel(
        request: Request, session: Db, rt: Rt, challenge_id: Field, channel: Field = ""
    ) -> Response:
        await check_anonymous_form(request)
        try:
            sent = await send_login_code(
                session, rt=rt, challenge_id=_uuid(challenge_id), channel=_channel(channel)
            )
        except DmpError as error:
            message = refused(request, error)
            return page(request, rt, "login.html", error.status, identifier="", error=message)
        return page(
            request, rt, "login_code.html", challenge_id=sent.challenge_id,
            channel=sent.channel.value, destination=sent.destination,
        )  # fmt: skip

    @router.post(f"{prefix}/connexion/code")
    async def verify_code(
        request: Request,
        session: Db,
        rt: Rt,
        challenge_id: Field,
        code: Field = "",
        channel: Field = "",
        destination: Field = "",
    ) -> Response:
        await check_anonymous_form(request)
        try:
            opened = await complete_login(
                session, rt=rt, challenge_id=_uuid(challenge_id), code=code.strip()
            )
        except DmpError as error:
            message = refused(request, error)
            return page(
                request, rt, "login_code.html", error.status, challenge_id=challenge_id,
                channel=channel, destination=destination, error=message,
            )  # fmt: skip
        target = portal.password_url if opened.must_change_password else prefix
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, settings=rt.settings, token=opened.token)
        return response

    @router.post(f"{prefix}/deconnexion")
    async def logout(request: Request, session: Db, rt: Rt) -> Response:
        # No CSRF token needed: a forged logout only signs the person out, and the
        # session cookie is SameSite=Strict.
        token, _ = session_token_of(request, rt.settings)
        if token is not None:
            await end_session(session, rt=rt, token=token)
        response = RedirectResponse(f"{portal.login_url}?fin=1", status_code=303)
        clear_session_cookie(response, settings=rt.settings)
        if on_logout is not None:
            on_logout(request, response)
        return response

    @router.get(f"{prefix}/mot-de-passe")
    async def password_form(request: Request, view: Session, rt: Rt) -> Response:
        return page(
            request, rt, "password.html", forced=view.must_change_password, error=None,
            title="Mot de passe",
        )  # fmt: skip

    @router.post(f"{prefix}/mot-de-passe")
    async def password_change(
        request: Request,
        view: Session,
        session: Db,
        rt: Rt,
        new_password: Field = "",
        confirmation: Field = "",
        current_password: Field = "",
    ) -> Response:
        try:
            if new_password != confirmation:
                raise InvalidInput(detail="les deux saisies du nouveau mot de passe diffèrent")
            await change_password(
                session, rt=rt, view=view, new_password=new_password,
                current_password=current_password or None,
            )  # fmt: skip
        except DmpError as error:
            message = refused(request, error)
            return page(
                request, rt, "password.html", error.status, forced=view.must_change_password,
                error=message, title="Mot de passe",
            )  # fmt: skip
        return RedirectResponse(prefix, status_code=303)

    return router


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(detail="demande de connexion inconnue : recommencez") from None


def _channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise InvalidInput(detail="choisissez l'e-mail ou le SMS") from None
