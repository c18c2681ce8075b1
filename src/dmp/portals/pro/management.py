"""What a treating physician (or an administrator professional) manages on the patient's
behalf: who may read the dossier (authorize, revoke, block — only the patient unblocks),
the access history, and recording the patient's death, which closes the dossier.
Masking documents happens on each document's page. The policy refuses anyone else."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from dmp.access.service import (
    authorize_professional,
    block_professional,
    list_professionals,
    revoke_authorization,
)
from dmp.audit.history import read_access_history
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.errors import DmpError, InvalidInput
from dmp.policy import AccessMode
from dmp.portals.i18n import request_language
from dmp.portals.pro.common import Dossier, OnDossier, page, pro_router
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import Db, Rt

router = pro_router()
Text = Annotated[str, Form()]
_OPERATIONS = {
    "authorize": authorize_professional,
    "revoke": revoke_authorization,
    "block": block_professional,
}
NOTICES = {
    "authorize": "Le professionnel est maintenant autorisé à consulter ce DMP.",
    "revoke": "L'autorisation du professionnel a été retirée.",
    "block": "Le professionnel est bloqué : il ne peut plus consulter ce DMP.",
}


async def _access_page(
    request: Request,
    on: OnDossier,
    session: Db,
    rt: Rt,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    professionals = await list_professionals(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id
    )
    context = {"professionals": professionals, "notice": notice, "error": error}
    return page(
        request, "pro/access.html", context, title="Accès des professionnels", status=status, on=on
    )


@router.get("/pro/dmp/{dossier_id}/acces")
async def access(request: Request, on: Dossier, session: Db, rt: Rt) -> Response:
    notice = NOTICES.get(request.query_params.get("fait", ""))
    return await _access_page(request, on, session, rt, notice=notice)


@router.post("/pro/dmp/{dossier_id}/acces")
async def change_access(
    request: Request,
    on: Dossier,
    session: Db,
    rt: Rt,
    operation: Text = "",
    professional_id: Text = "",
) -> Response:
    service = _OPERATIONS.get(operation)
    if service is None:
        raise InvalidInput(detail="opération inconnue")
    try:
        await service(
            session, rt=rt, actor=on.actor, dossier_id=on.dossier_id,
            professional_id=professional_id.strip(),
        )  # fmt: skip
    except DmpError as error:
        if error.status == 403:
            raise  # not a manager: the portal's error page says so
        # A refused change leaves nothing, not even its trace (as the unit of work would
        # do); the list is then read afresh in a clean transaction.
        await session.rollback()
        message = explain(error, request_language(request))
        return await _access_page(request, on, session, rt, error=message, status=error.status)
    return RedirectResponse(f"/pro/dmp/{on.dossier_id}/acces?fait={operation}", status_code=303)


@router.get("/pro/dmp/{dossier_id}/historique")
async def history(request: Request, on: Dossier, session: Db, rt: Rt) -> Response:
    query = request.query_params
    emergency_only = query.get("mode") == "urgence"
    before = query.get("avant")
    found = await read_access_history(
        session,
        rt=rt,
        actor=on.actor,
        dossier_id=on.dossier_id,
        mode=AccessMode.BREAK_GLASS if emergency_only else None,
        before_seq=int(before) if before and before.isdigit() else None,
        limit=50,
    )
    context = {
        "entries": found.entries,
        "next": found.next_before_seq,
        "emergency_only": emergency_only,
    }
    return page(request, "pro/history.html", context, title="Historique des accès", on=on)


@router.get("/pro/dmp/{dossier_id}/deces")
async def death_form(request: Request, on: Dossier) -> Response:
    return page(request, "pro/death.html", {"error": None}, title="Déclarer le décès", on=on)


@router.post("/pro/dmp/{dossier_id}/deces")
async def death(request: Request, on: Dossier, session: Db, rt: Rt, confirm: Text = "") -> Response:
    if not confirm:
        context: dict[str, Any] = {"error": "Cochez la case pour confirmer le décès du patient."}
        return page(
            request, "pro/death.html", context, title="Déclarer le décès", status=400, on=on
        )
    summary = await close_dossier(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, reason=ClosureReason.DEATH
    )
    context = {"summary": summary}
    return page(request, "pro/death_recorded.html", context, title="Décès enregistré", on=on)
