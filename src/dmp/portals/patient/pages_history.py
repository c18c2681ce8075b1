""" "Historique des accès": every trace of the dossier, newest first, filterable by
period, access mode and professional; emergency accesses stand out (colour and words)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from dmp.audit.history import HistoryPage, read_access_history
from dmp.policy import AccessMode, ActorKind
from dmp.portals.patient.context import PatientPage, with_query
from dmp.portals.patient.formatting import day_start
from dmp.portals.patient.forms import parse_day
from dmp.portals.patient.pages_manage import national_id_of
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

HISTORY = "/mon-dmp/gestion/historique"
PAGE_SIZE = 50
MODES = {
    "normal": AccessMode.NORMAL,
    "urgence": AccessMode.BREAK_GLASS,
    "regulation": AccessMode.REGULATION,
}
WHO_FILTERS = {
    "professionnels": frozenset({ActorKind.PROFESSIONAL, ActorKind.REGULATOR}),
    "vous": frozenset({ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE}),
    "organismes": frozenset(
        {
            ActorKind.FEED,
            ActorKind.COUNTER_AGENT,
            ActorKind.SUPPORT,
            ActorKind.OPERATOR,
            ActorKind.SYSTEM,
        }
    ),
}
# The patient side is not named in its own traces; the reader is told who it was.
WHO = {"Titulaire": "Vous (titulaire)", "Représentant légal": "Représentant légal"}


@router.get(HISTORY, response_class=HTMLResponse)
async def history(patient: PatientPage) -> HTMLResponse:
    query = patient.request.query_params
    typed = {
        k: query.get(k, "").strip()[:40]
        for k in ("du", "au", "mode", "qui", "professionnel", "avant")
    }
    errors: dict[str, str] = {}
    since = until = None
    if typed["du"]:
        start = parse_day(typed["du"])
        if start is None:
            errors["du"] = "Date incorrecte : écrivez-la sous la forme 31/12/2025."
        else:
            since = day_start(start)
    if typed["au"]:
        end = parse_day(typed["au"])
        if end is None:
            errors["au"] = "Date incorrecte : écrivez-la sous la forme 31/12/2025."
        else:
            until = day_start(end + timedelta(days=1))
    if since and until and until <= since:
        errors["au"] = "La date de fin doit être après la date de début."
    mode = MODES.get(typed["mode"])
    if mode is None:
        typed["mode"] = ""
    kinds = WHO_FILTERS.get(typed["qui"])
    if kinds is None:
        typed["qui"] = ""
    professional = None
    if typed["professionnel"]:
        professional = national_id_of(typed["professionnel"])
        if professional is None:
            errors["professionnel"] = "Numéro incorrect : le numéro RPPS compte 11 chiffres."
    before = int(typed["avant"]) if typed["avant"].isdigit() else None
    found: HistoryPage | None = None
    if not errors:
        found = await read_access_history(
            patient.session,
            rt=patient.rt,
            actor=patient.actor,
            dossier_id=patient.dossier_id,
            since=since,
            until=until,
            mode=mode,
            actor_kinds=kinds,
            professional_id=professional,
            before_seq=before,
            limit=PAGE_SIZE,
        )
    older = None
    if found is not None and found.next_before_seq is not None:
        kept = {k: v for k, v in typed.items() if k != "avant"}
        older = with_query(HISTORY, **kept, avant=str(found.next_before_seq))
    return patient.page(
        "patient/history.html",
        "Historique des accès",
        status=422 if errors else 200,
        section="gestion",
        typed=typed,
        errors=errors,
        found=found,
        older=older,
        who=WHO,
        filtered=any(typed[k] for k in ("du", "au", "mode", "qui", "professionnel")),
    )
