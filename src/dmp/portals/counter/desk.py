"""The counter's first steps with a person present: find out whether they have a DMP and
in which state (nothing more: no identity, no document, no trace), create one with their
consent, or give them a creation code to create it online."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from dmp.dossiers.button import press_dmp_button
from dmp.dossiers.codes import issue_creation_code
from dmp.dossiers.letters import Addressee, creation_code_letter, spaced_nir
from dmp.dossiers.schemas import CreationChannel
from dmp.errors import DmpError, InvalidInput
from dmp.portals.counter.common import AgentSession, counter_router, is_support, page
from dmp.portals.i18n import request_language
from dmp.portals.staff.creation import (
    blank_form,
    form_context,
    letter_fields,
    pdf_response,
    secrets_letter_response,
    submit_creation,
)
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import Db, Rt, fail

router = counter_router()
Text = Annotated[str, Form()]


@router.get("/guichet")
async def home(request: Request, view: AgentSession) -> Response:
    context = {"nav": "home", "nir": "", "error": None, "support": is_support(view)}
    return page(request, "counter/home.html", context, title="Accueil du guichet")


@router.post("/guichet/personne")
async def find_person(
    request: Request, view: AgentSession, session: Db, rt: Rt, nir: Text = ""
) -> Response:
    try:
        answer = await press_dmp_button(session, rt=rt, actor=view.actor, nir=nir)
    except DmpError as error:
        fail(request, error)
        context = {
            "nav": "home",
            "nir": nir,
            "error": explain(error, request_language(request)),
            "support": is_support(view),
        }
        return page(request, "counter/home.html", context, title="Accueil", status=error.status)
    # The answer's identity is None for agents (the policy does not let them read it);
    # only the state of the dossier goes to the page.
    context = {
        "nir": spaced_nir(nir),
        "summary": answer.summary if answer else None,
        "support": is_support(view),
    }
    return page(request, "counter/person.html", context, title="Situation de la personne")


@router.post("/guichet/creation/formulaire")
async def creation_form(request: Request, view: AgentSession, nir: Text = "") -> Response:
    context = form_context(blank_form(nir.strip()), "/guichet/creation")
    return page(request, "staff/creation_form.html", context, title="Créer un DMP")


@router.post("/guichet/creation")
async def create(request: Request, view: AgentSession, session: Db, rt: Rt) -> Response:
    outcome = await submit_creation(
        request, session, rt=rt, actor=view.actor, channel=CreationChannel.COUNTER
    )
    if outcome.created is not None:
        context = {
            "letter": letter_fields(outcome.form, outcome.created),
            "letter_url": "/guichet/lettre-secrets",
        }
        return page(request, "counter/created.html", context, title="DMP créé")
    context = form_context(outcome.form, "/guichet/creation")
    return page(
        request, "staff/creation_form.html", context, title="Créer un DMP", status=outcome.status
    )


@router.post("/guichet/lettre-secrets")
async def secrets_letter(request: Request, view: AgentSession) -> Response:
    return secrets_letter_response(await request.form())


@router.post("/guichet/code")
async def creation_code(
    request: Request,
    view: AgentSession,
    session: Db,
    rt: Rt,
    nir: Text = "",
    family_name: Text = "",
    given_names: Text = "",
) -> Response:
    """Issues a creation code (or a new one: the earlier one stops working)."""
    issued = await issue_creation_code(session, rt=rt, actor=view.actor, nir=nir)
    context = {
        "nir": spaced_nir(nir),
        "code": issued.code,
        "expires_at": issued.expires_at,
        "letter": {
            "nir": nir.strip(),
            "family_name": family_name.strip(),
            "given_names": given_names.strip(),
            "code": issued.code,
            "expires_at": issued.expires_at.isoformat(),
        },
    }
    return page(request, "counter/code_issued.html", context, title="Code de création")


@router.post("/guichet/lettre-code")
async def creation_code_letter_pdf(
    view: AgentSession,
    nir: Text = "",
    family_name: Text = "",
    given_names: Text = "",
    code: Text = "",
    expires_at: Text = "",
) -> Response:
    try:
        expiry = datetime.fromisoformat(expires_at)
    except ValueError:
        raise InvalidInput(detail="date de validité illisible") from None
    if len(code) > 20 or len(family_name) > 100 or len(given_names) > 200:
        raise InvalidInput(detail="champ trop long")
    person = Addressee(nir.strip(), family_name.strip(), given_names.strip())
    pdf = creation_code_letter(person, code=code.strip(), expires_at=expiry)
    return pdf_response(pdf, "dmp-code-de-creation.pdf")
