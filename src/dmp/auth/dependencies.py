"""HTTP side of sessions: the cookie, reading the token (cookie or bearer), the CSRF
check of cookie-authenticated writes, and the dependencies that turn a request into an
``Actor`` for the other routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.login_errors import NotSignedIn, PasswordChangeRequired, WrongPortal
from dmp.auth.sessions import TOKEN_PREFIX, SessionView, check_csrf, resolve_session
from dmp.config import Settings
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime
from dmp.web.deps import request_runtime, request_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Db = Annotated[AsyncSession, Depends(request_session)]
Rt = Annotated[Runtime, Depends(request_runtime)]


def _https(settings: Settings) -> bool:
    return str(settings.base_url).startswith("https://")


def session_cookie_name(settings: Settings) -> str:
    # "__Host-" makes browsers refuse the cookie unless Secure, Path=/ and host-only.
    return ("__Host-" if _https(settings) else "") + settings.session_cookie_name


def set_session_cookie(response: Response, *, settings: Settings, token: str) -> None:
    """No Max-Age: the cookie ends with the browser; the server enforces both timeouts."""
    response.set_cookie(
        session_cookie_name(settings),
        token,
        httponly=True,
        secure=_https(settings),
        samesite="strict",
        path="/",
    )


def clear_session_cookie(response: Response, *, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        secure=_https(settings),
        httponly=True,
        samesite="strict",
    )


def session_token_of(request: Request, settings: Settings) -> tuple[str | None, bool]:
    """(token, came_from_cookie). A bearer that is not a session token (a professional's
    CPS assertion) is not ours and is ignored."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip().startswith(TOKEN_PREFIX):
        return value.strip(), False
    cookie = request.cookies.get(session_cookie_name(settings))
    return (cookie, True) if cookie else (None, False)


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(CSRF_FORM_FIELD)  # Starlette caches the form
        return value if isinstance(value, str) else None
    return None


async def current_session(request: Request, session: Db, rt: Rt) -> SessionView:
    """Any live session, including one that must first replace its password."""
    token, from_cookie = session_token_of(request, rt.settings)
    if token is None:
        raise NotSignedIn()
    view = await resolve_session(session, rt=rt, token=token)
    # Browsers attach cookies to cross-site requests; a bearer header they never forge.
    if from_cookie and request.method not in SAFE_METHODS:
        check_csrf(view, await _presented_csrf(request))
    return view


CurrentSession = Annotated[SessionView, Depends(current_session)]


def _usable(view: SessionView) -> Actor:
    if view.must_change_password:
        raise PasswordChangeRequired()
    return view.actor


async def current_actor(view: CurrentSession) -> Actor:
    """Whoever is signed in, once their password is a real one."""
    return _usable(view)


async def current_patient_actor(view: CurrentSession) -> Actor:
    """The holder or a legal representative (patient portal, mobile app)."""
    actor = _usable(view)
    if actor.kind not in (ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE):
        raise WrongPortal(audience="patients et représentants légaux")
    return actor


async def current_professional_actor(view: CurrentSession) -> Actor:
    actor = _usable(view)
    if actor.kind is not ActorKind.PROFESSIONAL:
        raise WrongPortal(audience="professionnels de santé")
    return actor


async def current_agent_actor(view: CurrentSession) -> Actor:
    actor = _usable(view)
    if actor.kind not in (ActorKind.COUNTER_AGENT, ActorKind.SUPPORT):
        raise WrongPortal(audience="agents d'accueil et d'assistance")
    return actor
