"""Dossier operations' Parameters (``$create-dmp``, ``$close-dmp``, ``$reactivate-dmp``)
→ the dossiers service's inputs, and a dossier back as a Patient.

``$create-dmp`` takes ``patient`` (a Patient with its INS, names, birth date, gender and
optionally telecom: email and mobile for the patient's notifications), ``consent`` (the
professional declares the express consent of the patient, or of the legal representative
for a minor), ``legalRepresentative`` for a minor (a RelatedPerson: name, relationship,
telecom) and optionally ``btgConsent`` / ``etreatConsent`` (proposed ticked: true).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import ValidationError

from dmp.dossiers.schemas import (
    ClosureReason,
    ConsentBy,
    ConsentIn,
    Contact,
    CreatedDossier,
    CreationChannel,
    DossierCreate,
    DossierSummary,
    Identity,
    LegalRepresentativeIn,
    Sex,
)
from dmp.fhir.codes import INS_NIR_SYSTEM, INS_SYSTEMS, extension_url
from dmp.fhir.errors import InvalidElement, RequiredElement

CLOSURE_REASONS = {
    "patient-request": ClosureReason.PATIENT_REQUEST,
    "death": ClosureReason.DEATH,
    "other": ClosureReason.OTHER,
}


def parameter(parameters: dict[str, Any], name: str) -> dict[str, Any] | None:
    found = [p for p in parameters.get("parameter") or [] if p.get("name") == name]
    if len(found) > 1:
        raise InvalidElement(
            path=f"Parameters.parameter[{name}]",
            detail="paramètre répété",
            detail_en="repeated parameter",
        )
    return found[0] if found else None


def _boolean(parameters: dict[str, Any], name: str, default: bool | None = None) -> bool:
    found = parameter(parameters, name)
    if found is None or "valueBoolean" not in found:
        if default is not None and found is None:
            return default
        raise RequiredElement(
            path=f"Parameters.parameter[{name}]",
            detail="valueBoolean attendu",
            detail_en="valueBoolean expected",
        )
    return bool(found["valueBoolean"])


def _resource(parameters: dict[str, Any], name: str, kind: str) -> dict[str, Any] | None:
    found = parameter(parameters, name)
    if found is None:
        return None
    resource = found.get("resource") or {}
    if resource.get("resourceType") != kind:
        raise InvalidElement(
            path=f"Parameters.parameter[{name}].resource",
            detail=f"une ressource {kind} est attendue",
            detail_en=f"a {kind} resource is expected",
        )
    return dict(resource)


def _name(resource: dict[str, Any], path: str) -> tuple[str, str]:
    names = resource.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family, given = official.get("family"), " ".join(official.get("given") or [])
    if not family or not given:
        raise RequiredElement(
            path=f"{path}.name", detail="nom et prénom(s)", detail_en="family and given names"
        )
    return str(family), given


def _contact(resource: dict[str, Any]) -> dict[str, Any]:
    contact: dict[str, Any] = {}
    for telecom in resource.get("telecom") or []:
        if telecom.get("system") == "email":
            contact.setdefault("email", telecom.get("value"))
        elif telecom.get("system") in ("phone", "sms"):
            contact.setdefault("mobile", telecom.get("value"))
    return contact


def _nir(patient: dict[str, Any]) -> str:
    for identifier in patient.get("identifier") or []:
        if identifier.get("system") in INS_SYSTEMS and identifier.get("value"):
            return str(identifier["value"])
    raise RequiredElement(
        path="Parameters.parameter[patient].resource.identifier",
        detail=f"l'INS (système {INS_NIR_SYSTEM})",
        detail_en=f"the INS (system {INS_NIR_SYSTEM})",
    )


def _representative(parameters: dict[str, Any]) -> LegalRepresentativeIn | None:
    related = _resource(parameters, "legalRepresentative", "RelatedPerson")
    if related is None:
        return None
    path = "Parameters.parameter[legalRepresentative].resource"
    family, given = _name(related, path)
    relationship = (related.get("relationship") or [{}])[0]
    relation = relationship.get("text") or ((relationship.get("coding") or [{}])[0]).get(
        "display", "parent"
    )
    return LegalRepresentativeIn(
        family_name=family,
        given_names=given,
        relation=str(relation)[:50],
        contact=Contact.model_validate(_contact(related)),
    )


def consent_of(parameters: dict[str, Any]) -> ConsentIn:
    representative = _representative(parameters)
    return ConsentIn(
        given=_boolean(parameters, "consent"),
        by=ConsentBy.LEGAL_REPRESENTATIVE if representative else ConsentBy.HOLDER,
        representative=representative,
    )


def dossier_create(parameters: dict[str, Any]) -> DossierCreate:
    patient = _resource(parameters, "patient", "Patient")
    if patient is None:
        raise RequiredElement(
            path="Parameters.parameter[patient]",
            detail="le patient (Patient)",
            detail_en="the patient (Patient)",
        )
    path = "Parameters.parameter[patient].resource"
    family, given = _name(patient, path)
    if not patient.get("birthDate"):
        raise RequiredElement(
            path=f"{path}.birthDate", detail="date de naissance", detail_en="birth date"
        )
    try:
        return DossierCreate(
            nir=_nir(patient),
            identity=Identity(
                family_name=family,
                given_names=given,
                birth_date=date.fromisoformat(str(patient["birthDate"])),
                sex=Sex(patient.get("gender") or "unknown"),
            ),
            channel=CreationChannel.PROFESSIONAL,
            consent=consent_of(parameters),
            contact=Contact.model_validate(_contact(patient)),
            btg_consent=_boolean(parameters, "btgConsent", True),
            etreat_consent=_boolean(parameters, "etreatConsent", True),
        )
    except (ValidationError, ValueError) as exc:
        detail = str(exc).splitlines()
        text = "; ".join(detail[:3])[:400]
        raise InvalidElement(path=path, detail=text, detail_en=text) from None


def closure_reason(parameters: dict[str, Any]) -> ClosureReason:
    found = parameter(parameters, "reason") or {}
    code = found.get("valueCode") or found.get("valueString")
    if code not in CLOSURE_REASONS:
        raise RequiredElement(
            path="Parameters.parameter[reason]",
            detail="valueCode patient-request, death ou other",
            detail_en="valueCode patient-request, death or other",
        )
    return CLOSURE_REASONS[str(code)]


def patient_of(
    summary: DossierSummary | None,
    *,
    dossier_id: uuid.UUID,
    base_url: str,
    identity: dict[str, Any] | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    status = summary.status if summary else (status or "active")
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(dossier_id),
        "active": status == "active",
        "extension": [{"url": extension_url(base_url, "dmp-status"), "valueCode": status}],
    }
    if identity:
        resource["identifier"] = (
            [{"use": "official", "system": INS_NIR_SYSTEM, "value": identity["nir"]}]
            if identity.get("nir")
            else []
        )
        resource["name"] = [
            {
                "use": "official",
                "family": identity["family_name"],
                "given": str(identity["given_names"]).split(),
            }
        ]
        resource["birthDate"] = str(identity["birth_date"])
        resource["gender"] = identity.get("sex", "unknown")
    return resource


def secrets_extension(created: CreatedDossier, base_url: str) -> dict[str, Any]:
    """The "document des secrets": what the professional's software prints for the patient
    (or the legal representative) once. The password is never shown again."""
    return {
        "url": extension_url(base_url, "dmp-secrets-letter"),
        "extension": [
            {"url": "loginId", "valueString": created.login_id},
            {"url": "initialPassword", "valueString": created.initial_password},
            {"url": "accountRole", "valueCode": created.account_role},
        ],
    }
