"""Creating one's DMP online, in the three steps of the operator's letters: (1) the
social security number, the letter's creation code and the Vitale card; (2) identity,
channels for the codes (each typed twice), terms of use and consent; (3) the login
identifier and initial password, once, with the printable "document des secrets".

Steps carry their state in short-lived sealed cookies (nothing is stored before the
dossier exists), and every form answers with a redirect once accepted."""

from __future__ import annotations

import re
from datetime import date, datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dmp.dossiers import errors as dossier_errors
from dmp.dossiers.codes import CODE_LENGTH, normalise_code
from dmp.dossiers.letters import Addressee, secrets_letter, spaced_nir
from dmp.dossiers.online import check_online_creation
from dmp.dossiers.service import create_dossier
from dmp.errors import DmpError
from dmp.identity.errors import InvalidNir
from dmp.identity.nir import parse_nir
from dmp.kit.ids import HUMAN_ALPHABET
from dmp.policy import Actor, ActorKind
from dmp.portals.patient.context import Visitor, VisitorPage, see_other
from dmp.portals.patient.creation_form import identity_step, nir_facts
from dmp.portals.patient.formatting import Formatter
from dmp.portals.patient.forms import attempt, text
from dmp.portals.patient.route import PatientRoute
from dmp.portals.patient.security import clear_private_cookie, seal, set_private_cookie, unseal

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

START = "/creer-mon-dmp"
IDENTITY = START + "/identite"
CREDENTIALS = START + "/identifiants"
LETTER = START + "/document-des-secrets.pdf"
STEP_COOKIE, DONE_COOKIE = "dmp_creation", "dmp_identifiants"
_STEP, _DONE = "creation-step", "creation-done"
_STEP_SECONDS, _DONE_SECONDS = 30 * 60, 15 * 60
_SERIAL = re.compile(r"^[0-9A-Za-z]{4,30}$")
CARDS = ("avec_photo", "sans_photo")
# Who creates a dossier online: the person themself, before any account exists.
ONLINE = Actor(kind=ActorKind.PATIENT, id="creation-en-ligne", display_name="Création en ligne")


def _step_one(
    visitor: Visitor,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    return visitor.page(
        "patient/create_start.html",
        "Créer mon DMP — étape 1 sur 3",
        status=status,
        section="creation",
        typed=typed or {},
        errors=errors or {},
        message=message,
        step=1,
    )


@router.get(START, response_class=HTMLResponse)
async def start_page(visitor: VisitorPage) -> HTMLResponse:
    return _step_one(visitor)


@router.get(START + "/demander-un-code", response_class=HTMLResponse)
async def request_code_page(visitor: VisitorPage) -> HTMLResponse:
    return visitor.page(
        "patient/create_code_help.html", "Obtenir un code de création", section="creation"
    )


@router.post(START, response_class=HTMLResponse)
async def start(visitor: VisitorPage) -> Response:
    form = await visitor.form()
    typed = {
        "nir": text(form, "nir", limit=30),
        "code": text(form, "code", limit=30),
        "carte": text(form, "carte", limit=12),
        "serie": text(form, "serie", limit=40).replace(" ", ""),
    }
    errors: dict[str, str] = {}
    try:
        parse_nir(typed["nir"])
    except InvalidNir as refused:
        errors["nir"] = refused.message(visitor.lang)
    code = normalise_code(typed["code"])
    if len(code) != CODE_LENGTH or any(c not in HUMAN_ALPHABET for c in code):
        errors["code"] = (
            "Le code de création compte 12 caractères (lettres et chiffres), comme sur "
            "votre courrier."
        )
    if typed["carte"] not in CARDS:
        errors["carte"] = "Indiquez si votre carte Vitale a une photo."
    if not _SERIAL.match(typed["serie"]):
        errors["serie"] = (
            "Saisissez le numéro de série de votre carte Vitale (chiffres et lettres, sans espace)."
        )
    if not errors:
        try:
            async with attempt(visitor.session):
                await check_online_creation(
                    visitor.session, rt=visitor.rt, nir=typed["nir"], creation_code=code
                )
        except dossier_errors.DossierAlreadyExists as refused:
            return _step_one(
                visitor, typed=typed, message=refused.message(visitor.lang), status=409
            )
        except DmpError as refused:  # wrong, expired or used code
            errors["code"] = refused.message(visitor.lang)
    if errors:
        return _step_one(visitor, typed=typed, errors=errors, status=422)
    state = {
        "nir": parse_nir(typed["nir"]).value,
        "code": code,
        "carte": typed["carte"],
        "serie": typed["serie"],
    }
    response = see_other(IDENTITY)
    set_private_cookie(
        response,
        visitor.rt,
        STEP_COOKIE,
        seal(visitor.rt, _STEP, state, seconds=_STEP_SECONDS),
        max_age=_STEP_SECONDS,
        path=START,
    )
    return response


def _step_two(
    visitor: Visitor,
    state: dict[str, str],
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    defaults = {"pour": "moi", "btg": "oui", "etreat": "oui", "sexe": nir_facts(state["nir"]).sex}
    return visitor.page(
        "patient/create_identity.html",
        "Créer mon DMP — étape 2 sur 3",
        status=status,
        section="creation",
        typed=typed or defaults,
        errors=errors or {},
        message=message,
        facts=nir_facts(state["nir"]),
        nir=spaced_nir(state["nir"]),
        step=2,
    )


@router.get(IDENTITY, response_class=HTMLResponse)
async def identity_page(visitor: VisitorPage) -> Response:
    state = unseal(visitor.rt, _STEP, visitor.request.cookies.get(STEP_COOKIE))
    if state is None:
        return see_other(START)
    return _step_two(visitor, state)


@router.post(IDENTITY, response_class=HTMLResponse)
async def identity(visitor: VisitorPage) -> Response:
    form = await visitor.form()
    state = unseal(visitor.rt, _STEP, visitor.request.cookies.get(STEP_COOKIE))
    if state is None:
        return see_other(START)
    typed, errors, request = identity_step(form, state, today=visitor.rt.clock.now())
    if request is None:
        return _step_two(visitor, state, typed=typed, errors=errors, status=422)
    try:
        async with attempt(visitor.session):
            created = await create_dossier(
                visitor.session, rt=visitor.rt, actor=ONLINE, request=request
            )
    except (dossier_errors.ConsentMissing, dossier_errors.RepresentativeConsentRequired) as refused:
        errors["consentement"] = refused.message(visitor.lang)
        return _step_two(visitor, state, typed=typed, errors=errors, status=422)
    except DmpError as refused:  # the code was used meanwhile, the dossier exists…
        return _step_two(
            visitor, state, typed=typed, message=refused.message(visitor.lang), status=409
        )
    child = typed["pour"] == "enfant"
    done = {
        "login_id": created.login_id,
        "password": created.initial_password,
        "created_at": created.created_at.isoformat(),
        "nir": state["nir"],
        "family_name": request.identity.family_name,
        "given_names": request.identity.given_names,
        "birth_date": request.identity.birth_date.isoformat(),
        "representative": child,
        "email": typed["email"],
        "mobile": typed["mobile"],
    }
    response = see_other(CREDENTIALS)
    clear_private_cookie(response, visitor.rt, STEP_COOKIE, path=START)
    set_private_cookie(
        response,
        visitor.rt,
        DONE_COOKIE,
        seal(visitor.rt, _DONE, done, seconds=_DONE_SECONDS),
        max_age=_DONE_SECONDS,
        path=START,
    )
    return response


@router.get(CREDENTIALS, response_class=HTMLResponse)
async def credentials_page(visitor: VisitorPage) -> HTMLResponse:
    done = unseal(visitor.rt, _DONE, visitor.request.cookies.get(DONE_COOKIE))
    created_at = ""
    if done is not None:
        created_at = Formatter(visitor.lang).datetime(datetime.fromisoformat(done["created_at"]))
    return visitor.page(
        "patient/create_done.html",
        "Créer mon DMP — étape 3 sur 3",
        section="creation",
        done=done,
        created_at=created_at,
        step=3,
    )


@router.get(START + "/conditions", response_class=HTMLResponse)
async def terms_page(visitor: VisitorPage) -> HTMLResponse:
    return visitor.page(
        "patient/create_terms.html", "Conditions générales d'utilisation", section="creation"
    )


@router.get(LETTER)
async def letter(visitor: VisitorPage) -> Response:
    done = unseal(visitor.rt, _DONE, visitor.request.cookies.get(DONE_COOKIE))
    if done is None:
        return see_other(CREDENTIALS)
    person = Addressee(
        nir=done["nir"],
        family_name=done["family_name"],
        given_names=done["given_names"],
        birth_date=date.fromisoformat(done["birth_date"]),
    )
    pdf = secrets_letter(
        person,
        login_id=done["login_id"],
        password=done["password"],
        created_at=datetime.fromisoformat(done["created_at"]),
        representative=bool(done["representative"]),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="document-des-secrets.pdf"'},
    )


@router.post(START + "/terminer")
async def finish(visitor: VisitorPage) -> Response:
    await visitor.form()
    response = RedirectResponse("/connexion", status_code=303)
    clear_private_cookie(response, visitor.rt, DONE_COOKIE, path=START)
    return response
