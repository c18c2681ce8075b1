"""How foreign FHIR codes land in the DMP's vocabularies (pure). Our own mapping, for data
migrations and synthetic test patients: a document type the DMP knows is taken as is;
a few common US note types go to their nearest DMP type; anything else is refused (and
counted). Care items go to the insurer's five sections by code system and place."""

from __future__ import annotations

from datetime import date
from typing import Any

from dmp.feeds.sections import CareLine, LineRefused, build_line
from dmp.reference import document_types

LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
ATC = "http://www.whocc.no/atc"
# US Core note types → nearest DMP document type.
FOREIGN_NOTE_TYPES = {
    "34117-2": "11488-4",  # History and physical note → CR de consultation
    "51847-2": "11488-4",  # Evaluation + plan note → CR de consultation
    "28570-0": "11488-4",  # Procedure note → CR de consultation
    "18842-5": "11490-0",  # Discharge summary → lettre de liaison à la sortie
}
# CMS place-of-service codes of hospital care (the "H" marker).
HOSPITAL_PLACES = frozenset({"19", "21", "22", "23"})
INPATIENT = "21"
_IMAGING_WORDS = ("imaging", "radiograph", "x-ray", "tomograph", "ultrasound", "mammogra", "mri")
# ATC classes of biological medicines (monoclonal antibodies, fusion proteins, insulins…).
_BIOLOGICAL_ATC = ("L04AB", "L04AC", "L01FA", "L01FC", "L01FD", "L01FF", "L01FG", "A10A", "B03XA")


def document_type_of(codings: list[dict[str, Any]]) -> str | None:
    known = document_types()
    for coding in codings:
        if str(coding.get("code")) in known:
            return str(coding["code"])
    for coding in codings:
        mapped = FOREIGN_NOTE_TYPES.get(str(coding.get("code")))
        if coding.get("system") == LOINC and mapped in known:
            return mapped
    return None


def _first_coding(concept: dict[str, Any] | None) -> dict[str, Any]:
    codings: list[dict[str, Any]] = (concept or {}).get("coding") or [{}]
    return codings[0]


def _day(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def care_line_of(item: dict[str, Any], *, fallback: date | None, line_id: str) -> CareLine:
    """One Claim/EOB item as a care line (without its person yet)."""
    product = item.get("productOrService") or {}
    coding = _first_coding(product)
    system, code = str(coding.get("system", "")), str(coding.get("code", ""))
    label = str(product.get("text") or coding.get("display") or "").strip()
    period = item.get("servicedPeriod") or {}
    start = _day(item.get("servicedDate")) or _day(period.get("start")) or fallback
    if start is None:
        raise LineRefused("date de soins absente")
    end = _day(period.get("end")) or start
    place = str(_first_coding(item.get("locationCodeableConcept")).get("code", ""))
    flag = "H" if place in HOSPITAL_PLACES else ""
    quantity = str(int(float((item.get("quantity") or {}).get("value", 1))))
    day = start.isoformat()
    raw: dict[str, str | None]
    if system == CVX:
        raw = {
            "section": "pharmacie",
            "date_delivrance": day,
            "libelle": label,
            "dci": str(coding.get("display", "")),
            "quantite": quantity,
            "hospital_flag": flag,
        }
    elif system == LOINC:
        raw = {
            "section": "biologie",
            "date_acte": day,
            "code_nabm": code,
            "libelle": label,
            "quantite": quantity,
            "hospital_flag": flag,
        }
    elif place == INPATIENT:
        raw = {
            "section": "hospitalisation",
            "date_admission": day,
            "duree_sejour_jours": str((end - start).days),
            "nature_sejour": label,
        }
    elif any(word in label.lower() for word in _IMAGING_WORDS):
        raw = {
            "section": "radiologie",
            "date_acte": day,
            "code_acte": code,
            "coefficient": "1",
            "libelle": label,
            "hospital_flag": flag,
        }
    else:
        raw = {
            "section": "soins",
            "date_execution": day,
            "code_acte": code,
            "coefficient": "1",
            "libelle": label,
            "specialite": "",
            "hospital_flag": flag,
        }
    return build_line("", {**raw, "line_id": line_id})


def dispensation_kind(coding: dict[str, Any]) -> str:
    """Vaccines by CVX or ATC J07; biological medicines by ATC class; else ordinary."""
    system, code = str(coding.get("system", "")), str(coding.get("code", "")).upper()
    if system == CVX or (system == ATC and code.startswith("J07")):
        return "vaccine"
    if system == ATC and code.startswith(_BIOLOGICAL_ATC):
        return "biological"
    return "ordinary"
