"""The FHIR models a server process validates with, built before its first request.

fhir.resources builds each element's model the first time a resource holding it is
validated: the first deposit after a start paid about 70 ms for it. A server process
validates one resource of each shape the API reads (a deposit bundle, a Consent, the
dossier operations' Parameters) once its application is built, before its heap is
settled (``web.heap``), so that these models are frozen with the rest of start-up.
"""

from __future__ import annotations

from typing import Any

from dmp.fhir.http import validate_with_models

_CODED = {"coding": [{"system": "urn:oid:1.2.250.1.213.1.1.4.12", "code": "N", "display": "x"}]}
_PERIOD = {"start": "2026-01-15T10:00:00+01:00", "end": "2026-01-15T11:00:00+01:00"}
_IDENTIFIER = {"use": "official", "system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.3"}


def _document_reference() -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "contained": [
            {
                "resourceType": "Practitioner",
                "id": "author",
                "identifier": [_IDENTIFIER],
                "name": [{"family": "Martin", "given": ["Claire"], "text": "Claire Martin"}],
                "qualification": [{"code": _CODED}],
            },
            {"resourceType": "Organization", "id": "org", "identifier": [_IDENTIFIER], "name": "x"},
            {"resourceType": "PractitionerRole", "id": "role", "code": [_CODED]},
        ],
        "extension": [
            {"url": "urn:x", "valueBoolean": True},
            {"url": "urn:y", "valueString": "x"},
            {"url": "urn:z", "valueCoding": _CODED["coding"][0]},
        ],
        "masterIdentifier": _IDENTIFIER,
        "identifier": [_IDENTIFIER],
        "status": "current",
        "docStatus": "final",
        "type": _CODED,
        "category": [_CODED],
        "subject": {"reference": "Patient/x", "display": "x"},
        "date": "2026-01-15T10:00:00+01:00",
        "author": [{"reference": "#author"}, {"reference": "#org"}],
        "description": "x",
        "securityLabel": [_CODED],
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/x"}}],
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": "fr-FR",
                    "data": "AAAA",
                    "url": "urn:uuid:00000000-0000-0000-0000-000000000001",
                    "size": 3,
                    "hash": "AAAA",
                    "title": "x",
                    "creation": "2026-01-15T10:00:00+01:00",
                },
                "format": _CODED["coding"][0],
            }
        ],
        "context": {
            "event": [_CODED],
            "period": _PERIOD,
            "facilityType": _CODED,
            "practiceSetting": _CODED,
            "sourcePatientInfo": {"reference": "Patient/x"},
            "related": [{"reference": "x"}],
        },
    }


def _deposit() -> dict[str, Any]:
    submission_set = {
        "resourceType": "List",
        "meta": {"profile": ["urn:x"], "security": [_CODED["coding"][0]]},
        "extension": [{"url": "urn:x", "valueCoding": _CODED["coding"][0]}],
        "identifier": [_IDENTIFIER],
        "status": "current",
        "mode": "working",
        "code": _CODED,
        "subject": {"reference": "Patient/x"},
        "date": "2026-01-15T10:00:00+01:00",
        "source": {"reference": "Practitioner/x"},
        "entry": [{"item": {"reference": "urn:uuid:00000000-0000-0000-0000-000000000002"}}],
    }
    binary = {
        "resourceType": "Binary",
        "contentType": "application/pdf",
        "securityContext": {"reference": "DocumentReference/x"},
        "data": "AAAA",
    }
    return {
        "resourceType": "Bundle",
        "meta": {"profile": ["urn:x"]},
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:00000000-0000-0000-0000-00000000000{index}",
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for index, resource in enumerate((submission_set, _document_reference(), binary))
        ],
    }


def _consent() -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "extension": [{"url": "urn:x", "valueCode": "x"}],
        "status": "active",
        "scope": _CODED,
        "category": [_CODED],
        "patient": {"reference": "Patient/x"},
        "dateTime": "2026-01-15T10:00:00+01:00",
        "performer": [{"reference": "Practitioner/x"}],
        "policyRule": _CODED,
        "provision": {
            "type": "permit",
            "period": _PERIOD,
            "actor": [{"role": _CODED, "reference": {"identifier": _IDENTIFIER}}],
            "purpose": [_CODED["coding"][0]],
            "securityLabel": [_CODED["coding"][0]],
        },
    }


def _parameters() -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "extension": [{"url": "urn:x", "valueCode": "x"}],
        "identifier": [_IDENTIFIER],
        "name": [{"use": "official", "family": "Martin", "given": ["Claire"]}],
        "telecom": [{"system": "email", "value": "x@example.org", "use": "home"}],
        "gender": "female",
        "birthDate": "1980-01-15",
        "address": [{"line": ["x"], "city": "x", "postalCode": "75001", "country": "FR"}],
        "contact": [{"relationship": [_CODED], "name": {"family": "x"}}],
    }
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "patient", "resource": patient},
            {"name": "consent", "valueBoolean": True},
            {"name": "reason", "valueCode": "x"},
            {"name": "text", "valueString": "x"},
            {"name": "id", "valueIdentifier": _IDENTIFIER},
        ],
    }


def warm_models() -> None:
    """Validates one resource of each shape the API reads; any refusal is a bug here."""
    for resource in (_deposit(), _consent(), _parameters()):
        validate_with_models(resource)
