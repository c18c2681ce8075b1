"""Finding the patient in front of the professional (the "DMP button"), creating their DMP
with their consent, and declaring their consent to be authorized."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from dmp.access.service import declare_consent
from dmp.dossiers.button import press_dmp_button
from dmp.dossiers.schemas import CreationChannel
from dmp.errors import DmpError, InvalidInput
from dmp.portals.i18n import request_language
from dmp.portals.pro.common import Dossier, ProSession, page, pro_router
from dmp.portals.staff.creation import (
    blank_form,
    form_context,
    letter_fields,
    secrets_letter_response,
    submit_creation,
)
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import Db, Rt, fail

router = pro_router()


@router.get("/pro")
async def home(request: Request, view: ProSession) -> Response:
    return page(
        request, "pro/home.html", {"nav": "search", "nir": "", "error": None}, title="Accueil"
    )


@router.post("/pro/patient")
async def find_patient(
    request: Request, view: ProSession, session: Db, rt: Rt, nir: Annotated[str, Form()] = ""
) -> Response:
    """POST, not GET: a NIR must not end up in addresses, histories or server logs."""
    try:
        answer = await press_dmp_button(session, rt=rt, actor=view.actor, nir=nir)
    except DmpError as error:
        fail(request, error)
        context: dict[str, Any] = {
            "nav": "search",
            "nir": nir,
            "error": explain(error, request_language(request)),
        }
        return page(request, "pro/home.html", context, title="Accueil", status=error.status)
    context = {"nav": "search", "nir": nir, "answer": answer}
    return page(request, "pro/button.html", context, title="Résultat de la recherche")


@router.post("/pro/creation/formulaire")
async def creation_form(
    request: Request, view: ProSession, nir: Annotated[str, Form()] = ""
) -> Response:
    context = form_context(blank_form(nir.strip()), "/pro/creation")
    return page(request, "staff/creation_form.html", context, title="Créer un DMP")


@router.post("/pro/creation")
async def create(request: Request, view: ProSession, session: Db, rt: Rt) -> Response:
    outcome = await submit_creation(
        request, session, rt=rt, actor=view.actor, channel=CreationChannel.PROFESSIONAL
    )
    if outcome.created is not None:
        context = {
            "letter": letter_fields(outcome.form, outcome.created),
            "letter_url": "/pro/lettre-secrets",
            "dossier_id": outcome.created.dossier_id,
        }
        return page(request, "pro/created.html", context, title="DMP créé")
    context = form_context(outcome.form, "/pro/creation")
    return page(
        request, "staff/creation_form.html", context, title="Créer un DMP", status=outcome.status
    )


@router.post("/pro/lettre-secrets")
async def secrets_letter(request: Request, view: ProSession) -> Response:
    return secrets_letter_response(await request.form())


@router.post("/pro/dmp/{dossier_id}/consentement")
async def consent(
    request: Request, on: Dossier, session: Db, rt: Rt, present: Annotated[str, Form()] = ""
) -> Response:
    if not present:
        raise InvalidInput(
            detail="confirmez que le patient, présent, consent à ce que vous accédiez à son DMP"
        )
    await declare_consent(session, rt=rt, actor=on.view.actor, dossier_id=on.dossier_id)
    return RedirectResponse(f"/pro/dmp/{on.dossier_id}?consentement=1", status_code=303)
