""" "Gestion du DMP": the hub, and the professionals — who is authorized, who is blocked,
the treating physicians — with authorize, revoke, block, unblock, designate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.access.service import (
    authorize_professional,
    block_professional,
    designate_treating_physician,
    list_professionals,
    remove_treating_physician,
    revoke_authorization,
    unblock_professional,
)
from dmp.errors import AccessDenied, DmpError
from dmp.policy import AuthorizationState
from dmp.portals.patient.context import PatientPage, see_other
from dmp.portals.patient.forms import attempt, text
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

PROFESSIONALS = "/mon-dmp/gestion/professionnels"
_Change = Callable[..., Awaitable[ProfessionalAccess]]
# action → (service, field of the form that names the professional, message once done)
ACTIONS: dict[str, tuple[_Change, str, str]] = {
    "autoriser": (authorize_professional, "autoriser", "autorise"),
    "bloquer": (block_professional, "bloquer", "bloque"),
    "designer": (designate_treating_physician, "designer", "medecin-traitant"),
    "retirer": (revoke_authorization, "", "retire"),
    "bloquer-ligne": (block_professional, "", "bloque"),
    "debloquer": (unblock_professional, "", "debloque"),
    "fin-designation": (remove_treating_physician, "", "fin-medecin-traitant"),
}


def national_id_of(typed: str) -> str | None:
    """The national id of what a patient can read on a prescription: the RPPS (11
    digits), the ADELI number (9 digits) or the national id itself; None otherwise."""
    if any(c not in "0123456789 .-" for c in typed):
        return None
    digits = "".join(c for c in typed if c.isdigit())
    if len(digits) == 11:
        return "8" + digits
    if len(digits) == 9:
        return "0" + digits
    if (len(digits) == 12 and digits[0] == "8") or (len(digits) == 10 and digits[0] == "0"):
        return digits
    return None


@router.get("/mon-dmp/gestion", response_class=HTMLResponse)
async def hub(patient: PatientPage) -> HTMLResponse:
    return patient.page("patient/manage.html", "Gestion du DMP", section="gestion")


def _groups(professionals: list[ProfessionalAccess]) -> dict[str, list[ProfessionalAccess]]:
    return {
        "managers": [p for p in professionals if p.role is not None],
        "authorized": [
            p for p in professionals if p.role is None and p.state is AuthorizationState.AUTHORIZED
        ],
        "blocked": [p for p in professionals if p.state is AuthorizationState.BLOCKED],
        "revoked": [
            p for p in professionals if p.role is None and p.state is AuthorizationState.REVOKED
        ],
    }


async def _professionals_page(
    patient: PatientPage,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    professionals = await list_professionals(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    return patient.page(
        "patient/professionals.html",
        "Les professionnels de santé",
        status=status,
        section="gestion",
        groups=_groups(professionals),
        errors=errors or {},
        typed=typed or {},
        message=message,
        roles=ManagerRole,
    )


@router.get(PROFESSIONALS, response_class=HTMLResponse)
async def professionals_page(patient: PatientPage) -> HTMLResponse:
    return await _professionals_page(patient)


@router.post(PROFESSIONALS, response_class=HTMLResponse)
async def change(patient: PatientPage) -> Response:
    form = await patient.form()
    action = text(form, "action", limit=20)
    if action not in ACTIONS:
        return await _professionals_page(
            patient, message="Cette opération n'existe pas.", status=422
        )
    service, field, done = ACTIONS[action]
    typed = text(form, field or "professionnel", limit=40)
    errors: dict[str, str] = {}
    if not typed:
        if not field:
            return await _professionals_page(
                patient, message="Aucun professionnel n'est indiqué.", status=422
            )
        errors[field] = "Saisissez le numéro RPPS du professionnel (11 chiffres)."
        return await _professionals_page(patient, errors=errors, typed={field: typed}, status=422)
    national_id = national_id_of(typed)
    if national_id is None:
        message = "Numéro incorrect : le numéro RPPS compte 11 chiffres."
        if field:
            return await _professionals_page(
                patient, errors={field: message}, typed={field: typed}, status=422
            )
        return await _professionals_page(patient, message=message, status=422)
    arguments: dict[str, Any] = {}
    if action == "designer":
        arguments["role"] = ManagerRole.TREATING_PHYSICIAN
    try:
        async with attempt(patient.session):
            await service(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                professional_id=national_id,
                **arguments,
            )
    except AccessDenied:
        raise
    except DmpError as refused:
        message = refused.message(patient.lang)
        if field:
            return await _professionals_page(
                patient, errors={field: message}, typed={field: typed}, status=422
            )
        return await _professionals_page(patient, message=message, status=409)
    return see_other(PROFESSIONALS, done=done)
