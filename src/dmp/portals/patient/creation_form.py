"""The second step of online creation, checked field by field: identity (consistent
with what the social security number says), channels typed twice, the terms of use and
the consent, of the person or of a minor's legal representative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError
from starlette.datastructures import FormData

from dmp.dossiers.schemas import (
    ConsentBy,
    ConsentIn,
    Contact,
    CreationChannel,
    DossierCreate,
    Identity,
    LegalRepresentativeIn,
    Sex,
)
from dmp.dossiers.service import majority_date
from dmp.portals.patient.forms import checked, parse_day_parts, text

FIELDS = (
    "pour",
    "nom",
    "prenoms",
    "jour",
    "mois",
    "annee",
    "sexe",
    "email",
    "email2",
    "mobile",
    "mobile2",
    "rep_nom",
    "rep_prenoms",
    "rep_lien",
)
_SEXES = {"female": Sex.FEMALE, "male": Sex.MALE}


@dataclass(frozen=True, slots=True)
class NirFacts:
    """What a NIR tells: sex (1 man, 2 woman), year and month of birth (a month above 12
    means it was unknown at registration)."""

    sex: str
    year: int
    month: int | None


def nir_facts(nir: str) -> NirFacts:
    month = int(nir[3:5])
    return NirFacts(
        sex={"1": "male", "2": "female"}.get(nir[0], ""),
        year=int(nir[1:3]),
        month=month if 1 <= month <= 12 else None,
    )


def _email(form: FormData, name: str) -> str:
    return text(form, name, limit=254).lower()


def _digits(value: str) -> str:
    return value.replace(" ", "").replace(".", "")


def _channels(typed: dict[str, str], errors: dict[str, str]) -> Contact | None:
    if not typed["email"] and not typed["mobile"]:
        errors["email"] = (
            "Indiquez au moins une adresse e-mail ou un numéro de mobile : vos codes de "
            "connexion y seront envoyés."
        )
    if typed["email"] and typed["email"] != typed["email2"]:
        errors["email2"] = "Les deux adresses e-mail ne sont pas identiques."
    if typed["mobile"] and _digits(typed["mobile"]) != _digits(typed["mobile2"]):
        errors["mobile2"] = "Les deux numéros de mobile ne sont pas identiques."
    contact = None
    try:
        contact = Contact(email=typed["email"] or None, mobile=typed["mobile"] or None)
    except ValidationError as invalid:
        for problem in invalid.errors():
            if problem["loc"] and problem["loc"][0] == "email":
                errors["email"] = (
                    "Adresse e-mail incorrecte : vérifiez-la (exemple : nom@exemple.fr)."
                )
            else:
                errors["mobile"] = (
                    "Numéro incorrect : un mobile français commence par 06 ou 07 et compte "
                    "10 chiffres."
                )
    return contact


def _birth(typed: dict[str, str], errors: dict[str, str], facts: NirFacts) -> date | None:
    born = parse_day_parts(typed["jour"], typed["mois"], typed["annee"])
    if born is None:
        errors["jour"] = "Date de naissance incorrecte : par exemple 12 / 05 / 1969."
        return None
    if born.year % 100 != facts.year or (facts.month is not None and born.month != facts.month):
        errors["jour"] = (
            "Cette date ne correspond pas à votre numéro de sécurité sociale : vérifiez le mois "
            "et l'année de naissance."
        )
    return born


def identity_step(
    form: FormData, state: dict[str, str], *, today: datetime
) -> tuple[dict[str, str], dict[str, str], DossierCreate | None]:
    """What was typed, the errors by field, and the creation request when all is right."""
    typed = {name: text(form, name, limit=200) for name in FIELDS}
    typed["email"], typed["email2"] = _email(form, "email"), _email(form, "email2")
    typed["cgu"] = "oui" if checked(form, "cgu") else ""
    typed["consentement"] = "oui" if checked(form, "consentement") else ""
    typed["btg"] = "oui" if checked(form, "btg") else ""
    typed["etreat"] = "oui" if checked(form, "etreat") else ""
    facts = nir_facts(state["nir"])
    errors: dict[str, str] = {}
    if typed["pour"] not in ("moi", "enfant"):
        errors["pour"] = "Indiquez pour qui vous créez ce DMP."
    if not typed["nom"]:
        errors["nom"] = "Saisissez le nom de famille."
    if not typed["prenoms"]:
        errors["prenoms"] = "Saisissez le ou les prénoms."
    if typed["sexe"] not in _SEXES:
        errors["sexe"] = "Indiquez le sexe."
    elif facts.sex and typed["sexe"] != facts.sex:
        errors["sexe"] = "Ce choix ne correspond pas à votre numéro de sécurité sociale."
    born = _birth(typed, errors, facts)
    child = typed["pour"] == "enfant"
    if born is not None and typed["pour"] in ("moi", "enfant"):
        minor = majority_date(born) > today.date()
        if minor and not child:
            errors["pour"] = (
                "Cette personne est mineure : son DMP est créé par son représentant légal. "
                "Choisissez « Le DMP de mon enfant »."
            )
        elif child and not minor:
            errors["pour"] = "Cette personne est majeure : elle crée elle-même son DMP."
    if child:
        if not typed["rep_nom"]:
            errors["rep_nom"] = "Saisissez votre nom de famille."
        if not typed["rep_prenoms"]:
            errors["rep_prenoms"] = "Saisissez votre ou vos prénoms."
    contact = _channels(typed, errors)
    if not typed["cgu"]:
        errors["cgu"] = "Vous devez accepter les conditions générales d'utilisation."
    if not typed["consentement"]:
        errors["consentement"] = "Votre consentement est nécessaire pour créer le DMP."
    if errors or born is None or contact is None:
        return typed, errors, None
    try:
        identity = Identity(
            family_name=typed["nom"][:100],
            given_names=typed["prenoms"],
            birth_date=born,
            sex=_SEXES[typed["sexe"]],
        )
    except ValidationError:
        errors["jour"] = "Date de naissance impossible."
        return typed, errors, None
    consent = ConsentIn(given=True)
    dossier_contact = contact
    if child:
        representative = LegalRepresentativeIn(
            family_name=typed["rep_nom"][:100],
            given_names=typed["rep_prenoms"],
            relation=(typed["rep_lien"] or "parent")[:50],
            contact=contact,
        )
        consent = ConsentIn(
            given=True, by=ConsentBy.LEGAL_REPRESENTATIVE, representative=representative
        )
        # The codes and notices of a minor's DMP go to the representative who manages it.
        dossier_contact = Contact()
    request = DossierCreate(
        nir=state["nir"],
        identity=identity,
        channel=CreationChannel.PATIENT_ONLINE,
        consent=consent,
        contact=dossier_contact,
        btg_consent=bool(typed["btg"]),
        etreat_consent=bool(typed["etreat"]),
        creation_code=state["code"],
        vitale_serial=state["serie"],
    )
    return typed, errors, request
