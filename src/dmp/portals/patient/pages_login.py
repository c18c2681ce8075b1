"""Logging in: identifier and password, then the one-time code by the channel the person
chooses, then (first login) their own password. Refusals never say whether an
identifier exists; after three failures the account rests 15 minutes, and says so."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from dmp.auth.accounts import Channel
from dmp.auth.credentials import change_password
from dmp.auth.dependencies import clear_session_cookie, session_cookie_name, set_session_cookie
from dmp.auth.login import complete_login, send_login_code
from dmp.auth.login_errors import (
    AccountLocked,
    ChallengeExpired,
    CodeIncorrect,
    CodeNotSent,
    InvalidCredentials,
    SessionExpired,
    TooManyCodes,
    WeakPassword,
)
from dmp.auth.password_policy import MIN_LENGTH
from dmp.auth.patients import begin_patient_login
from dmp.auth.sessions import SessionView, check_csrf, logout, resolve_session
from dmp.errors import DmpError
from dmp.portals.i18n import request_language, translator
from dmp.portals.patient.context import (
    HOME,
    LOGIN,
    NEW_PASSWORD,
    Database,
    Visitor,
    VisitorPage,
    render,
    runtime_of,
    safe_next,
    see_other,
    with_query,
)
from dmp.portals.patient.formatting import Formatter
from dmp.portals.patient.forms import attempt, text
from dmp.portals.patient.route import PatientRoute
from dmp.portals.patient.security import (
    CSRF_FIELD,
    clear_private_cookie,
    seal,
    set_private_cookie,
    unseal,
)
from dmp.portals.web import Page

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

PENDING_COOKIE = "dmp_connexion"
_PENDING = "login-pending"
_PENDING_SECONDS = 15 * 60
CODE_PAGE = "/connexion/code"
# Why the login starts again, named in the URL (never free text).
RESTART = {
    "code-expire": (
        "Ce code n'est plus valable (expiré ou déjà utilisé) : reconnectez-vous pour en "
        "recevoir un nouveau."
    ),
    "verrouille": (
        "Trop de tentatives infructueuses : par sécurité, la connexion est bloquée pendant "
        "{minutes} minutes. Réessayez plus tard ou contactez l'assistance (DMP Info Service)."
    ),
}


def _login_form(
    visitor: Visitor,
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    identifier: str = "",
    status: int = 200,
) -> HTMLResponse:
    query = visitor.request.query_params
    notice = message
    restart = RESTART.get(query.get("raison", ""))
    if not notice and restart:
        minutes = visitor.rt.settings.login_lockout_minutes
        notice = translator(visitor.lang)(restart).format(minutes=minutes)
    if not notice and query.get("expiree"):
        notice = "Votre session a expiré après un moment sans activité : reconnectez-vous."
    return visitor.page(
        "patient/login.html",
        "Se connecter",
        status=status,
        section="connexion",
        errors=errors or {},
        message=notice,
        logged_out=bool(query.get("deconnecte")),
        identifier=identifier,
        suite=safe_next(query.get("suite")),
    )


@router.get("/connexion", response_class=HTMLResponse)
async def login_page(visitor: VisitorPage) -> HTMLResponse:
    return _login_form(visitor)


@router.post("/connexion", response_class=HTMLResponse)
async def login(visitor: VisitorPage) -> Response:
    form = await visitor.form()
    identifier, password = text(form, "identifiant", limit=64), text(form, "mot_de_passe")
    suite = safe_next(text(form, "suite", limit=500))
    errors: dict[str, str] = {}
    if not identifier:
        errors["identifiant"] = "Saisissez votre identifiant, indiqué sur votre courrier."
    if not password:
        errors["mot_de_passe"] = "Saisissez votre mot de passe."
    if errors:
        return _login_form(visitor, errors=errors, identifier=identifier, status=422)
    try:
        async with attempt(visitor.session):
            started = await begin_patient_login(
                visitor.session, rt=visitor.rt, login_id=identifier, password=password
            )
    except InvalidCredentials as error:
        errors = {"mot_de_passe": error.message(visitor.lang)}
        return _login_form(visitor, errors=errors, identifier=identifier, status=401)
    except DmpError as error:  # locked, spent temporary password, no channel on file
        status = 429 if isinstance(error, AccountLocked) else 403
        return _login_form(
            visitor, message=error.message(visitor.lang), identifier=identifier, status=status
        )
    pending = {
        "challenge": str(started.challenge_id),
        "channels": [[o.channel.value, o.destination] for o in started.channels],
        "sent_to": started.sent_to.value if started.sent_to else None,
        "suite": suite,
    }
    response = RedirectResponse(CODE_PAGE, status_code=303)
    _keep_pending(response, visitor.rt, pending)
    return response


def _keep_pending(response: Response, rt: Any, pending: dict[str, Any]) -> None:
    token = seal(rt, _PENDING, pending, seconds=_PENDING_SECONDS)
    set_private_cookie(
        response, rt, PENDING_COOKIE, token, max_age=_PENDING_SECONDS, path="/connexion"
    )


def _pending(visitor: Visitor) -> dict[str, Any] | None:
    return unseal(visitor.rt, _PENDING, visitor.request.cookies.get(PENDING_COOKIE))


def _start_again(message_code: str) -> RedirectResponse:
    return see_other(LOGIN, raison=message_code)


def _code_form(
    visitor: Visitor,
    pending: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    channels = [(c, d) for c, d in pending["channels"]]
    sent_to = pending.get("sent_to")
    destination = dict(channels).get(sent_to or "", "")
    return visitor.page(
        "patient/login_code.html",
        "Code de connexion" if sent_to else "Recevoir votre code",
        status=status,
        section="connexion",
        errors=errors or {},
        message=message,
        channels=channels,
        sent_to=sent_to,
        destination=destination,
        resent=bool(visitor.request.query_params.get("envoye")),
        minutes=visitor.rt.settings.otp_validity_minutes,
    )


@router.get(CODE_PAGE, response_class=HTMLResponse)
async def code_page(visitor: VisitorPage) -> Response:
    pending = _pending(visitor)
    if pending is None:
        return _start_again("code-expire")
    return _code_form(visitor, pending)


@router.post("/connexion/envoyer", response_class=HTMLResponse)
async def send_code(visitor: VisitorPage) -> Response:
    form = await visitor.form()
    pending = _pending(visitor)
    if pending is None:
        return _start_again("code-expire")
    chosen = text(form, "canal", limit=10)
    if chosen not in dict(pending["channels"]):
        errors = {"canal": "Choisissez comment recevoir votre code."}
        return _code_form(visitor, pending, errors=errors, status=422)
    try:
        async with attempt(visitor.session):
            await send_login_code(
                visitor.session,
                rt=visitor.rt,
                challenge_id=uuid.UUID(pending["challenge"]),
                channel=Channel(chosen),
            )
    except TooManyCodes as error:
        return _code_form(visitor, pending, message=error.message(visitor.lang), status=429)
    except (ChallengeExpired, SessionExpired):
        return _start_again("code-expire")
    except AccountLocked:
        return _start_again("verrouille")
    resent = pending.get("sent_to") is not None
    pending["sent_to"] = chosen
    response = see_other(CODE_PAGE, envoye="1" if resent else None)
    _keep_pending(response, visitor.rt, pending)
    return response


@router.post(CODE_PAGE, response_class=HTMLResponse)
async def verify_code(visitor: VisitorPage) -> Response:
    form = await visitor.form()
    pending = _pending(visitor)
    if pending is None:
        return _start_again("code-expire")
    code = "".join(text(form, "code", limit=20).split())
    if not (len(code) == 6 and code.isdigit()):
        errors = {"code": "Saisissez les 6 chiffres du code reçu."}
        return _code_form(visitor, pending, errors=errors, status=422)
    try:
        async with attempt(visitor.session):
            opened = await complete_login(
                visitor.session,
                rt=visitor.rt,
                challenge_id=uuid.UUID(pending["challenge"]),
                code=code,
            )
    except CodeIncorrect:
        errors = {"code": "Code incorrect : vérifiez les 6 chiffres reçus et réessayez."}
        return _code_form(visitor, pending, errors=errors, status=401)
    except CodeNotSent as error:
        return _code_form(visitor, pending, message=error.message(visitor.lang), status=409)
    except AccountLocked:
        return _start_again("verrouille")
    except ChallengeExpired:
        return _start_again("code-expire")
    target = NEW_PASSWORD if opened.must_change_password else safe_next(pending.get("suite"))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings=visitor.rt.settings, token=opened.token)
    clear_private_cookie(response, visitor.rt, PENDING_COOKIE, path="/connexion")
    return response


# --- the first login's password, and logging out -------------------------------------------


async def _any_session(request: Request, session: Any) -> SessionView | None:
    rt = runtime_of(request)
    token = request.cookies.get(session_cookie_name(rt.settings))
    if not token:
        return None
    try:
        return await resolve_session(session, rt=rt, token=token)
    except SessionExpired:
        return None


def _password_page(
    request: Request,
    view: SessionView,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    request.state.csrf_token = view.csrf_token()
    context = {
        "fmt": Formatter(request_language(request)),
        "done_message": None,
        "section": "connexion",
        "errors": errors or {},
        "min_length": MIN_LENGTH,
    }
    return render(
        request, Page("patient/first_password.html", context, status, "Votre mot de passe")
    )


@router.get(NEW_PASSWORD, response_class=HTMLResponse)
async def first_password_page(request: Request, session: Database) -> Response:
    view = await _any_session(request, session)
    if view is None:
        return see_other(LOGIN, expiree="1")
    if not view.must_change_password:
        return see_other(HOME)
    return _password_page(request, view)


@router.post(NEW_PASSWORD, response_class=HTMLResponse)
async def first_password(request: Request, session: Database) -> Response:
    view = await _any_session(request, session)
    if view is None:
        return see_other(LOGIN, expiree="1")
    form = await request.form()
    value = form.get(CSRF_FIELD)
    check_csrf(view, value if isinstance(value, str) else None)
    password, again = text(form, "nouveau", limit=300), text(form, "confirmation", limit=300)
    errors: dict[str, str] = {}
    if not password:
        errors["nouveau"] = "Choisissez un mot de passe."
    elif password != again:
        errors["confirmation"] = "Les deux mots de passe ne sont pas identiques."
    if errors:
        return _password_page(request, view, errors=errors, status=422)
    try:
        async with attempt(session):
            await change_password(session, rt=runtime_of(request), view=view, new_password=password)
    except WeakPassword as error:
        message = error.message(request_language(request))
        return _password_page(request, view, errors={"nouveau": message}, status=422)
    return see_other(HOME, done="mot-de-passe")


@router.post("/deconnexion")
async def sign_out(request: Request, session: Database) -> Response:
    rt = runtime_of(request)
    view = await _any_session(request, session)
    if view is not None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        check_csrf(view, value if isinstance(value, str) else None)
        token = request.cookies.get(session_cookie_name(rt.settings), "")
        await logout(session, rt=rt, token=token)
    response = RedirectResponse(with_query(LOGIN, deconnecte="1"), status_code=303)
    clear_session_cookie(response, settings=rt.settings)
    return response
