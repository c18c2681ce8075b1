"""The holder's choices: access in an emergency (break-glass, SAMU-centre 15, masked
documents in an emergency) and the channels of notifications."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from dmp.dossiers.administration import (
    read_administrative_data,
    set_emergency_consents,
    set_notification_preferences,
)
from dmp.dossiers.errors import MaskedConsentNeedsEmergency
from dmp.portals.patient.context import PatientPage, see_other
from dmp.portals.patient.forms import attempt, text
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

EMERGENCY = "/mon-dmp/gestion/urgence"
NOTIFICATIONS = "/mon-dmp/gestion/notifications"


def _yes(value: str) -> bool | None:
    return {"oui": True, "non": False}.get(value)


async def _emergency_page(
    patient: PatientPage,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    data = await read_administrative_data(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    current = {
        "btg": "oui" if data.btg_consent else "non",
        "etreat": "oui" if data.etreat_consent else "non",
        "masked": "oui" if data.masked_consent else "non",
    }
    return patient.page(
        "patient/emergency.html",
        "L'accès en cas d'urgence",
        status=status,
        section="gestion",
        typed=typed or current,
        errors=errors or {},
        doctor_only=data.legal_representative_doctor_only,
        minor=data.is_minor,
    )


@router.get(EMERGENCY, response_class=HTMLResponse)
async def emergency_page(patient: PatientPage) -> HTMLResponse:
    return await _emergency_page(patient)


@router.post(EMERGENCY, response_class=HTMLResponse)
async def emergency(patient: PatientPage) -> Response:
    form = await patient.form()
    typed = {name: text(form, name, limit=3) for name in ("btg", "etreat", "masked")}
    errors = {
        name: "Répondez par oui ou par non." for name, value in typed.items() if _yes(value) is None
    }
    if not errors and typed["masked"] == "oui" and typed["btg"] == typed["etreat"] == "non":
        errors["masked"] = MaskedConsentNeedsEmergency().message(patient.lang)
    if errors:
        return await _emergency_page(patient, typed=typed, errors=errors, status=422)
    async with attempt(patient.session):
        await set_emergency_consents(
            patient.session,
            rt=patient.rt,
            actor=patient.actor,
            dossier_id=patient.dossier_id,
            btg=typed["btg"] == "oui",
            etreat=typed["etreat"] == "oui",
            masked=typed["masked"] == "oui",
        )
    return see_other(EMERGENCY, done="urgence")


@router.get(NOTIFICATIONS, response_class=HTMLResponse)
async def notifications_page(patient: PatientPage) -> HTMLResponse:
    data = await read_administrative_data(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    return patient.page(
        "patient/notifications.html",
        "Mes notifications",
        section="gestion",
        preferences=data.notification_preferences,
        contact=data.contact,
    )


@router.post(NOTIFICATIONS, response_class=HTMLResponse)
async def notifications(patient: PatientPage) -> Response:
    form = await patient.form()
    await set_notification_preferences(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        email=form.get("email") == "oui",
        sms=form.get("sms") == "oui",
    )
    return see_other(NOTIFICATIONS, done="notifications")
