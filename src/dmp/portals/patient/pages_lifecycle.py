"""The whole DMP: downloading it as a zip, closing it (with what the 10-year retention
means), asking for the deletion of a closed dossier's data or cancelling it, and
reactivating it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from dmp.documents.export import export_dossier
from dmp.dossiers.schemas import ClosureReason, ConsentBy, ConsentIn
from dmp.dossiers.service import close_dossier, reactivate_dossier, set_deletion_request
from dmp.portals.patient.context import HOME, PatientPage, see_other
from dmp.portals.patient.forms import attempt, checked, text
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

DOWNLOAD = "/mon-dmp/gestion/telecharger"
CLOSURE = "/mon-dmp/gestion/fermeture"
REACTIVATION = "/mon-dmp/gestion/reactivation"
_CHUNK = 64 * 1024
# Above this, the zip being built goes to a temporary file rather than memory.
_IN_MEMORY = 16 * 1024 * 1024


@router.get(DOWNLOAD, response_class=HTMLResponse)
async def download_page(patient: PatientPage) -> HTMLResponse:
    return patient.page("patient/download.html", "Télécharger mon DMP", section="gestion")


@router.post(DOWNLOAD)
async def download(patient: PatientPage) -> Response:
    spool = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 - closed by the stream
    try:
        summary = await export_dossier(
            patient.session,
            rt=patient.rt,
            actor=patient.actor,
            dossier_id=patient.dossier_id,
            out=spool,
        )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(_CHUNK):
                yield block

    return StreamingResponse(
        chunks(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{summary.filename}"'},
    )


@router.get(CLOSURE, response_class=HTMLResponse)
async def closure_page(patient: PatientPage) -> Response:
    if not patient.standing.active:
        return see_other(REACTIVATION)
    return patient.page(
        "patient/closure.html",
        "Fermer mon DMP",
        section="gestion",
        errors={},
        typed={},
        years=patient.rt.settings.retention_years_after_closure,
        grace_days=patient.rt.settings.deletion_grace_days,
    )


@router.post(CLOSURE, response_class=HTMLResponse)
async def close(patient: PatientPage) -> Response:
    form = await patient.form()
    typed = {
        "donnees": text(form, "donnees", limit=12),
        "compris": "oui" if checked(form, "compris") else "",
    }
    errors: dict[str, str] = {}
    if typed["donnees"] not in ("conserver", "supprimer"):
        errors["donnees"] = "Choisissez ce que deviennent vos données."
    if not typed["compris"]:
        errors["compris"] = "Cochez la case pour confirmer que vous avez compris."
    if errors:
        return patient.page(
            "patient/closure.html",
            "Fermer mon DMP",
            status=422,
            section="gestion",
            errors=errors,
            typed=typed,
            years=patient.rt.settings.retention_years_after_closure,
            grace_days=patient.rt.settings.deletion_grace_days,
        )
    summary = await close_dossier(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
        request_deletion=typed["donnees"] == "supprimer",
    )
    if patient.representative:
        # A closed dossier belongs to its holder alone: the representative's session ends
        # here with a page that says so.
        return patient.page(
            "patient/closed_by_representative.html",
            "DMP fermé",
            section="gestion",
            summary=summary,
        )
    return see_other(REACTIVATION, done="ferme")


@router.get(REACTIVATION, response_class=HTMLResponse)
async def reactivation_page(patient: PatientPage) -> Response:
    if patient.standing.active:
        return see_other(HOME)
    return patient.page(
        "patient/reactivation.html",
        "Réactiver mon DMP",
        section="gestion",
        errors={},
        grace_days=patient.rt.settings.deletion_grace_days,
    )


@router.post(REACTIVATION, response_class=HTMLResponse)
async def reactivate(patient: PatientPage) -> Response:
    form = await patient.form()
    action = text(form, "action", limit=20)
    if action in ("demander-suppression", "annuler-suppression"):
        requested = action == "demander-suppression"
        async with attempt(patient.session):
            await set_deletion_request(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                requested=requested,
            )
        done = "suppression-demandee" if requested else "suppression-annulee"
        return see_other(REACTIVATION, done=done)
    if patient.representative:  # a minor's consent is recorded with the person present
        return see_other(REACTIVATION)
    if not checked(form, "consentement"):
        return patient.page(
            "patient/reactivation.html",
            "Réactiver mon DMP",
            status=422,
            section="gestion",
            errors={"consentement": "Cochez la case pour donner votre accord."},
            grace_days=patient.rt.settings.deletion_grace_days,
        )
    await reactivate_dossier(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        consent=ConsentIn(given=True, by=ConsentBy.HOLDER),
    )
    return see_other(HOME, done="reactive")
