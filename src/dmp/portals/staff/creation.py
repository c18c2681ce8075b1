"""Creating a DMP for a person who is present, the same at a professional's desk and at a
counter: identity as on the Vitale card, express consent (the person's, or a legal
representative's for a minor), contact channels for the one-time codes, the two emergency
consents proposed ticked; then the "document des secrets" printed.

The letter carries the initial password, which is shown once and never stored: the
result page posts it back (with the identity just typed) to have the PDF made, and the
server keeps nothing of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from dmp.dossiers.letters import Addressee, credentials_letter, secrets_letter, spaced_nir
from dmp.dossiers.schemas import (
    ConsentBy,
    ConsentIn,
    Contact,
    CreatedDossier,
    CreationChannel,
    DossierCreate,
    Identity,
    LegalRepresentativeIn,
    Sex,
)
from dmp.dossiers.service import create_dossier
from dmp.errors import DmpError, InvalidInput
from dmp.policy import Actor
from dmp.portals.i18n import request_language
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import fail
from dmp.runtime import Runtime

TEXT_FIELDS = (
    "nir",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "consent_by",
    "email",
    "mobile",
    "rep_family_name",
    "rep_given_names",
    "rep_relation",
    "rep_email",
    "rep_mobile",
)
# The emergency consents are proposed ticked: a new form starts with them on.
DEFAULTS = {"sex": "unknown", "consent_by": "holder", "btg_consent": "on", "etreat_consent": "on"}
_LOCATIONS = {
    ("identity", "family_name"): "family_name",
    ("identity", "given_names"): "given_names",
    ("identity", "birth_date"): "birth_date",
    ("contact", "email"): "email",
    ("contact", "mobile"): "mobile",
}
_MESSAGES = {
    "family_name": "Indiquez le nom de famille.",
    "given_names": "Indiquez le ou les prénoms.",
    "birth_date": "Indiquez une date de naissance valide (jj/mm/aaaa).",
    "email": "Adresse e-mail invalide.",
    "mobile": "Numéro de mobile français attendu (06 ou 07, 10 chiffres).",
    "rep_family_name": "Indiquez le nom du représentant légal.",
    "rep_given_names": "Indiquez le prénom du représentant légal.",
    "rep_email": "Adresse e-mail du représentant légal invalide.",
    "rep_mobile": "Mobile du représentant légal : 06 ou 07, 10 chiffres.",
    "consent": "La création du DMP nécessite le consentement exprès de la personne.",
}


@dataclass
class CreationForm:
    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    errors: dict[str, str] = field(default_factory=dict)
    request: DossierCreate | None = None

    def fail(self, name: str, message: str | None = None) -> None:
        self.errors.setdefault(name, message or _MESSAGES.get(name, "Valeur invalide."))


def blank_form(nir: str = "") -> CreationForm:
    form = CreationForm()
    form.values["nir"] = nir
    return form


def _contact(form: CreationForm, prefix: str) -> Contact:
    try:
        return Contact(
            email=form.values.get(f"{prefix}email") or None,
            mobile=form.values.get(f"{prefix}mobile") or None,
        )
    except ValidationError as invalid:
        for error in invalid.errors():
            form.fail(f"{prefix}{error['loc'][0]}")
        return Contact()


def _representative(form: CreationForm) -> LegalRepresentativeIn | None:
    values = form.values
    for name in ("rep_family_name", "rep_given_names"):
        if not values.get(name):
            form.fail(name)
    contact = _contact(form, "rep_")
    if form.errors:
        return None
    return LegalRepresentativeIn(
        family_name=values["rep_family_name"],
        given_names=values["rep_given_names"],
        relation=values.get("rep_relation") or "parent",
        contact=contact,
    )


def read_creation_form(data: FormData, channel: CreationChannel) -> CreationForm:
    """The submitted form, checked field by field so that each error sits by its field;
    ``request`` is set when everything is valid."""
    form = CreationForm(values={name: str(data.get(name) or "").strip() for name in TEXT_FIELDS})
    for box in ("consent", "btg_consent", "etreat_consent"):
        form.values[box] = "on" if data.get(box) else ""
    values = form.values
    if not values["consent"]:
        form.fail("consent")
    by_representative = values["consent_by"] == ConsentBy.LEGAL_REPRESENTATIVE.value
    representative = _representative(form) if by_representative else None
    contact = _contact(form, "")
    try:
        request = DossierCreate(
            nir=values["nir"],
            identity=Identity(
                family_name=values["family_name"],
                given_names=values["given_names"],
                birth_date=values["birth_date"] or None,
                sex=Sex(values["sex"]) if values["sex"] in set(Sex) else Sex.UNKNOWN,
            ),
            channel=channel,
            consent=ConsentIn(
                given=bool(values["consent"]),
                by=ConsentBy.LEGAL_REPRESENTATIVE if by_representative else ConsentBy.HOLDER,
                representative=representative,
            ),
            contact=contact,
            btg_consent=bool(values["btg_consent"]),
            etreat_consent=bool(values["etreat_consent"]),
        )
    except ValidationError as invalid:
        for error in invalid.errors():
            parts = [str(part) for part in error["loc"]] + [""]
            form.fail(_LOCATIONS.get((parts[0], parts[1]), parts[0]))
        return form
    if not form.errors:
        form.request = request
    return form


def refused_creation(form: CreationForm, error: DmpError, message: str) -> CreationForm:
    """A refusal of the service shown by the field it is about (NIR, consent) or on top."""
    if error.code == "invalid_nir":
        form.fail("nir", message)
    elif error.code in ("consent_missing", "representative_consent_required"):
        form.fail("consent_by", message)
    else:
        form.fail("form", message)
    return form


def letter_fields(form: CreationForm, created: CreatedDossier) -> dict[str, str]:
    """What the result page posts back to print the letter (shown once, kept nowhere)."""
    values = form.values
    return {
        "nir": values["nir"],
        "family_name": values["family_name"],
        "given_names": values["given_names"],
        "birth_date": values["birth_date"],
        "login_id": created.login_id,
        "password": created.initial_password,
        "at": created.created_at.isoformat(),
        "representative": "on" if created.account_role == "legal_representative" else "",
    }


def _field(data: FormData, name: str, limit: int = 200) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > limit:
        raise InvalidInput(detail=f"{name} trop long")
    return value


def _addressee(data: FormData) -> Addressee:
    nir = _field(data, "nir", 40)
    spaced_nir(nir)  # refuses an invalid NIR before anything is printed
    birth = _field(data, "birth_date", 10)
    try:
        birth_date = date.fromisoformat(birth) if birth else None
    except ValueError:
        raise InvalidInput(detail="date de naissance illisible") from None
    return Addressee(nir, _field(data, "family_name"), _field(data, "given_names"), birth_date)


def _moment(data: FormData) -> datetime:
    try:
        moment = datetime.fromisoformat(_field(data, "at", 40))
    except ValueError:
        raise InvalidInput(detail="date de création illisible") from None
    if moment.tzinfo is None:
        raise InvalidInput(detail="date de création sans fuseau horaire")
    return moment


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def secrets_letter_response(data: FormData) -> Response:
    pdf = secrets_letter(
        _addressee(data),
        login_id=_field(data, "login_id", 64),
        password=_field(data, "password", 64),
        created_at=_moment(data),
        representative=bool(data.get("representative")),
    )
    return pdf_response(pdf, "dmp-document-des-secrets.pdf")


def credentials_letter_response(data: FormData) -> Response:
    pdf = credentials_letter(
        _addressee(data),
        login_id=_field(data, "login_id", 64),
        password=_field(data, "password", 64),
        issued_at=_moment(data),
        new_login_id=bool(data.get("new_login_id")),
    )
    return pdf_response(pdf, "dmp-nouveaux-identifiants.pdf")


def form_context(form: CreationForm, action: str, **extra: Any) -> dict[str, Any]:
    return {"form": form, "action": action, **extra}


@dataclass
class CreationOutcome:
    form: CreationForm
    created: CreatedDossier | None
    status: int  # of the form page shown again when nothing was created


async def submit_creation(
    request: Request, session: AsyncSession, *, rt: Runtime, actor: Actor, channel: CreationChannel
) -> CreationOutcome:
    """Reads the creation form a professional or an agent posted and creates the dossier;
    a refusal is recorded on the form (and with ``fail``) for the page to show again."""
    form = read_creation_form(await request.form(), channel)
    if form.request is None:
        return CreationOutcome(form, None, 400)
    try:
        created = await create_dossier(session, rt=rt, actor=actor, request=form.request)
    except DmpError as error:
        fail(request, error)
        refused_creation(form, error, explain(error, request_language(request)))
        return CreationOutcome(form, None, error.status)
    return CreationOutcome(form, created, 200)
