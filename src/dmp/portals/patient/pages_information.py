""" "Mes informations": identity, the e-mail and mobile that receive the codes (changed
only once a code sent to the new one comes back), the people to call in an emergency,
advance directives and the trusted person (as documents), and the password."""

from __future__ import annotations

import re
import uuid
from datetime import date

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dmp.auth.accounts import Channel
from dmp.auth.credentials import change_password
from dmp.auth.login_errors import (
    AccountLocked,
    ChallengeExpired,
    CodeIncorrect,
    CurrentPasswordIncorrect,
    WeakPassword,
)
from dmp.auth.patients import account_contact, confirm_contact_change, request_contact_change
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.dossiers.administration import read_administrative_data, set_emergency_contacts
from dmp.dossiers.letters import spaced_nir
from dmp.dossiers.schemas import EmergencyContact
from dmp.errors import InvalidInput
from dmp.portals.patient.context import LOGIN, PatientPage, see_other
from dmp.portals.patient.forms import attempt, text
from dmp.portals.patient.route import PatientRoute
from dmp.portals.patient.security import clear_private_cookie, seal, set_private_cookie, unseal

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

INFORMATION = "/mon-dmp/gestion/informations"
CONTACT = INFORMATION + "/coordonnees"
CONFIRM = INFORMATION + "/confirmer"
EMERGENCY_CONTACTS = "/mon-dmp/gestion/contacts-urgence"
PASSWORD = "/mon-dmp/gestion/mot-de-passe"  # noqa: S105 - a page address
CHANGE_COOKIE = "dmp_coordonnees"
_CHANGE = "contact-change"
_WISHES = frozenset({"EXPPAT_1", "EXPPAT_3"})  # trusted person and wishes; advance directives
_PHONE = re.compile(r"^\+?[0-9][0-9 .]{7,19}$")
CHANNELS = {"email": Channel.EMAIL, "mobile": Channel.SMS}


@router.get(INFORMATION, response_class=HTMLResponse)
async def information(patient: PatientPage) -> HTMLResponse:
    data = await read_administrative_data(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    own = await account_contact(patient.session, rt=patient.rt, view=patient.view)
    wishes = await search_documents(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        query=DocumentSearch(type_codes=_WISHES, limit=50),
    )
    return patient.page(
        "patient/information.html",
        "Mes informations",
        section="gestion",
        data=data,
        own=own,
        wishes=wishes.items,
        nir=spaced_nir(str(data.identity.get("nir", ""))),
        birth_date=date.fromisoformat(str(data.identity["birth_date"])),
    )


def _contact_page(
    patient: PatientPage,
    channel: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return patient.page(
        "patient/contact_change.html",
        "Changer mon adresse e-mail" if channel == "email" else "Changer mon numéro de mobile",
        status=status,
        section="gestion",
        channel=channel,
        typed=typed or {},
        errors=errors or {},
    )


@router.get(CONTACT, response_class=HTMLResponse)
async def contact_page(patient: PatientPage) -> Response:
    channel = patient.request.query_params.get("canal", "")
    if channel not in CHANNELS:
        return see_other(INFORMATION)
    return _contact_page(patient, channel)


@router.post(CONTACT, response_class=HTMLResponse)
async def contact(patient: PatientPage) -> Response:
    form = await patient.form()
    channel = text(form, "canal", limit=10)
    if channel not in CHANNELS:
        return see_other(INFORMATION)
    typed = {
        "nouvelle": text(form, "nouvelle", limit=254),
        "confirmation": text(form, "confirmation", limit=254),
    }
    errors: dict[str, str] = {}
    if not typed["nouvelle"]:
        errors["nouvelle"] = (
            "Saisissez votre nouvelle adresse e-mail."
            if channel == "email"
            else "Saisissez votre nouveau numéro de mobile."
        )
    elif (
        typed["nouvelle"].replace(" ", "").lower() != typed["confirmation"].replace(" ", "").lower()
    ):
        errors["confirmation"] = "Les deux saisies ne sont pas identiques."
    if errors:
        return _contact_page(patient, channel, typed=typed, errors=errors, status=422)
    try:
        async with attempt(patient.session):
            started = await request_contact_change(
                patient.session,
                rt=patient.rt,
                view=patient.view,
                channel=CHANNELS[channel],
                value=typed["nouvelle"],
            )
    except InvalidInput:
        errors["nouvelle"] = (
            "Adresse e-mail incorrecte : vérifiez-la (exemple : nom@exemple.fr)."
            if channel == "email"
            else "Numéro incorrect : un mobile français commence par 06 ou 07 et compte "
            "10 chiffres."
        )
        return _contact_page(patient, channel, typed=typed, errors=errors, status=422)
    pending = {
        "challenge": str(started.challenge_id),
        "canal": channel,
        "destination": started.destination,
    }
    response = see_other(CONFIRM)
    set_private_cookie(
        response,
        patient.rt,
        CHANGE_COOKIE,
        seal(patient.rt, _CHANGE, pending, seconds=900),
        max_age=900,
        path=INFORMATION,
    )
    return response


def _confirm_page(
    patient: PatientPage,
    pending: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return patient.page(
        "patient/contact_confirm.html",
        "Confirmer ma nouvelle coordonnée",
        status=status,
        section="gestion",
        pending=pending,
        errors=errors or {},
    )


@router.get(CONFIRM, response_class=HTMLResponse)
async def confirm_page(patient: PatientPage) -> Response:
    pending = unseal(patient.rt, _CHANGE, patient.request.cookies.get(CHANGE_COOKIE))
    if pending is None:
        return see_other(INFORMATION)
    return _confirm_page(patient, pending)


@router.post(CONFIRM, response_class=HTMLResponse)
async def confirm(patient: PatientPage) -> Response:
    form = await patient.form()
    pending = unseal(patient.rt, _CHANGE, patient.request.cookies.get(CHANGE_COOKIE))
    if pending is None:
        return see_other(INFORMATION)
    code = "".join(text(form, "code", limit=20).split())
    if not (len(code) == 6 and code.isdigit()):
        return _confirm_page(
            patient, pending, errors={"code": "Saisissez les 6 chiffres du code reçu."}, status=422
        )
    try:
        async with attempt(patient.session):
            await confirm_contact_change(
                patient.session,
                rt=patient.rt,
                view=patient.view,
                challenge_id=uuid.UUID(pending["challenge"]),
                code=code,
            )
    except CodeIncorrect:
        errors = {"code": "Code incorrect : vérifiez les 6 chiffres reçus et réessayez."}
        return _confirm_page(patient, pending, errors=errors, status=401)
    except ChallengeExpired:
        errors = {"code": "Ce code n'est plus valable : recommencez la modification."}
        return _confirm_page(patient, pending, errors=errors, status=410)
    response = see_other(INFORMATION, done="coordonnees")
    clear_private_cookie(response, patient.rt, CHANGE_COOKIE, path=INFORMATION)
    return response


# --- people to call in an emergency ---------------------------------------------------------


async def _people_page(
    patient: PatientPage,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    data = await read_administrative_data(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    return patient.page(
        "patient/emergency_contacts.html",
        "Personnes à prévenir en cas d'urgence",
        status=status,
        section="gestion",
        people=data.contact.emergency_contacts,
        typed=typed or {},
        errors=errors or {},
    )


@router.get(EMERGENCY_CONTACTS, response_class=HTMLResponse)
async def people_page(patient: PatientPage) -> HTMLResponse:
    return await _people_page(patient)


@router.post(EMERGENCY_CONTACTS, response_class=HTMLResponse)
async def people(patient: PatientPage) -> Response:
    form = await patient.form()
    data = await read_administrative_data(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    current = list(data.contact.emergency_contacts)
    if text(form, "action", limit=10) == "retirer":
        index = text(form, "rang", limit=3)
        if index.isdigit() and int(index) < len(current):
            del current[int(index)]
    else:
        typed = {name: text(form, name, limit=200) for name in ("nom", "lien", "telephone")}
        errors: dict[str, str] = {}
        if not typed["nom"]:
            errors["nom"] = "Saisissez le nom de la personne."
        if not _PHONE.match(typed["telephone"]):
            errors["telephone"] = "Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."
        if len(current) >= 10:
            errors["nom"] = "Vous pouvez enregistrer 10 personnes au plus."
        if errors:
            return await _people_page(patient, typed=typed, errors=errors, status=422)
        try:
            person = EmergencyContact(
                name=typed["nom"], relation=typed["lien"][:100], phone=typed["telephone"][:30]
            )
        except ValidationError:
            errors["nom"] = "Le nom est trop long : 200 caractères au plus."
            return await _people_page(patient, typed=typed, errors=errors, status=422)
        current.append(person)
    await set_emergency_contacts(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        contacts=current,
    )
    return see_other(EMERGENCY_CONTACTS, done="contacts-urgence")


# --- the password --------------------------------------------------------------------------


@router.get(PASSWORD, response_class=HTMLResponse)
async def password_page(patient: PatientPage) -> HTMLResponse:
    return patient.page(
        "patient/password.html", "Changer mon mot de passe", section="gestion", errors={}
    )


@router.post(PASSWORD, response_class=HTMLResponse)
async def password(patient: PatientPage) -> Response:
    form = await patient.form()
    current = text(form, "actuel", limit=300)
    new, again = text(form, "nouveau", limit=300), text(form, "confirmation", limit=300)
    errors: dict[str, str] = {}
    if not current:
        errors["actuel"] = "Saisissez votre mot de passe actuel."
    if not new:
        errors["nouveau"] = "Choisissez un nouveau mot de passe."
    elif new != again:
        errors["confirmation"] = "Les deux mots de passe ne sont pas identiques."
    if not errors:
        try:
            async with attempt(patient.session):
                await change_password(
                    patient.session,
                    rt=patient.rt,
                    view=patient.view,
                    new_password=new,
                    current_password=current,
                )
        except CurrentPasswordIncorrect:
            errors["actuel"] = "Le mot de passe actuel est incorrect."
        except WeakPassword as refused:
            errors["nouveau"] = refused.message(patient.lang)
        except AccountLocked:
            return RedirectResponse(LOGIN + "?raison=verrouille", status_code=303)
    if errors:
        return patient.page(
            "patient/password.html",
            "Changer mon mot de passe",
            status=422,
            section="gestion",
            errors=errors,
        )
    return see_other(INFORMATION, done="mot-de-passe")
