"""Refusals proper to the FHIR adapter (shape of the request), each with its issue code.

Domain refusals (access, documents, dossiers) keep their own classes; these say what is
wrong with the FHIR request itself, in French and English, naming the element.
"""

from __future__ import annotations

from typing import Any

from dmp.errors import BusinessRule, DmpError, InvalidInput, NotFound


class InvalidElement(InvalidInput):
    """A structurally valid resource whose element cannot be used as sent."""

    code = "invalid_element"
    message_fr = "{path} : {detail}"
    message_en = "{path}: {detail_en}"


class RequiredElement(InvalidInput):
    code = "required_element"
    fhir_code = "required"
    message_fr = "{path} : élément obligatoire absent ({detail})."
    message_en = "{path}: required element missing ({detail_en})."


class UnsupportedElement(BusinessRule):
    code = "unsupported_element"
    fhir_code = "not-supported"
    message_fr = "{path} : {detail}"
    message_en = "{path}: {detail_en}"


class UnknownPatient(BusinessRule):
    """A reference to a patient this server does not hold: a rule of the DMP (the patient
    must have a DMP here), so 422 with the precise issue code ``not-found``."""

    code = "unknown_patient"
    fhir_code = "not-found"
    message_fr = (
        "{path} : le patient « {reference} » n'a pas de DMP sur ce serveur. Référencez-le "
        "par Patient/<id> (réponse de la recherche par INS) ou par son identifiant INS."
    )
    message_en = (
        "{path}: patient '{reference}' has no DMP on this server. Reference it as "
        "Patient/<id> (from the INS lookup) or by its INS identifier."
    )


class ResourceNotFound(NotFound):
    code = "resource_not_found"
    message_fr = "{resource_type}/{id} introuvable."
    message_en = "{resource_type}/{id} not found."


class InvalidSearch(InvalidInput):
    code = "invalid_search_parameter"
    fhir_code = "invalid"
    message_fr = "Paramètre de recherche {name} invalide : {detail}"
    message_en = "Invalid search parameter {name}: {detail_en}"


class MissingSearchParameter(InvalidInput):
    code = "missing_search_parameter"
    fhir_code = "required"
    message_fr = "Paramètre de recherche obligatoire absent : {names}."
    message_en = "Required search parameter missing: {names}."


class PatchRefused(BusinessRule):
    code = "patch_refused"
    fhir_code = "business-rule"
    message_fr = "Modification refusée : {detail}"
    message_en = "Patch refused: {detail_en}"


class MalformedPatch(InvalidInput):
    code = "malformed_patch"
    fhir_code = "invalid"
    message_fr = "JSON Patch invalide : {detail}"
    message_en = "Invalid JSON Patch: {detail_en}"


class OperationNotAllowed(DmpError):
    code = "method_not_allowed"
    status = 405
    fhir_code = "not-supported"
    message_fr = "{detail}"
    message_en = "{detail_en}"


def issue_of(error: DmpError, expression: str | None = None) -> dict[str, Any]:
    """One OperationOutcome issue from a refusal: stable code, French text, English
    diagnostics, and where it applies."""
    issue: dict[str, Any] = {
        "severity": "error",
        "code": error.fhir_code,
        "details": {
            "coding": [{"system": "urn:opendmp:error", "code": error.code}],
            "text": error.message("fr"),
        },
        "diagnostics": error.message("en"),
    }
    if expression:
        issue["expression"] = [expression]
    return issue


def element_error(path: str, detail: str, detail_en: str) -> InvalidElement:
    return InvalidElement(path=path, detail=detail, detail_en=detail_en)
