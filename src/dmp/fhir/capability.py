"""The CapabilityStatement: exactly what this server supports, nothing more."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from dmp import __version__
from dmp.fhir.http import FhirResponse

router = APIRouter(tags=["Capabilities"])


# Exactly what the routes of this package serve: each resource's interactions, search
# parameters and operations. A test compares it with the routes.
def _param(name: str, kind: str, documentation: str) -> dict[str, str]:
    return {"name": name, "type": kind, "documentation": documentation}


RESOURCES: list[dict[str, Any]] = [
    {
        "type": "Patient",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            _param(
                "identifier",
                "token",
                "INS: urn:oid:1.2.250.1.213.1.4.8|<NIR>. Answers the DMP's status and the "
                "caller's access to it.",
            )
        ],
        "operation": [
            {"name": "create-dmp", "definition": "urn:opendmp:operation:create-dmp"},
            {"name": "close-dmp", "definition": "urn:opendmp:operation:close-dmp"},
            {"name": "reactivate-dmp", "definition": "urn:opendmp:operation:reactivate-dmp"},
        ],
    },
    {
        "type": "DocumentReference",
        "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "patch"}],
        "searchParam": [
            _param("patient", "reference", "Patient/<id>; this or patient.identifier is required"),
            _param("patient.identifier", "token", "INS of the patient"),
            _param("status", "token", "current (default), superseded, entered-in-error"),
            _param("PDSm_isArchived", "token", "true: archived only; false: not archived"),
            _param("category", "token", "class code (TRE_A03)"),
            _param("type", "token", "type code (LOINC, TRE_A05)"),
            _param("date", "date", "when the reference entered the DMP"),
            _param("creation", "date", "the document's own date"),
            _param("period", "date", "the period of care (overlap)"),
            _param("author.given", "string", "author's given name (contains)"),
            _param("author.family", "string", "author's family name (contains)"),
            _param("setting", "token", "practice setting code"),
            _param("security-label", "token", "TRE_A07 code (N matches every document)"),
        ],
    },
    {"type": "Binary", "interaction": [{"code": "read"}]},
    {
        "type": "Consent",
        "interaction": [{"code": "create"}, {"code": "search-type"}, {"code": "delete"}],
        "searchParam": [_param("patient", "reference", "Patient/<id> (required)")],
    },
    {
        "type": "AuditEvent",
        "interaction": [{"code": "search-type"}],
        "searchParam": [
            _param("patient", "reference", "Patient/<id> (required)"),
            _param("date", "date", "when the event was recorded"),
        ],
    },
]
REST_INTERACTIONS = [
    {
        "code": "transaction",
        "documentation": "Provide Document Bundle (ITI-65): one submission set, "
        "DocumentReferences and their Binaries, all or nothing",
    }
]


def capability_statement(base_url: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "publisher": "OpenDMP",
        "kind": "instance",
        "software": {"name": "OpenDMP", "version": __version__},
        "implementation": {"description": "Dossier Médical Partagé", "url": f"{base_url}/fhir"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "description": "Each request carries a short-lived JWT signed with the key "
                    "of the caller's CPS certificate (x5c chain, IGC-Santé).",
                },
                "resource": RESOURCES,
                "interaction": REST_INTERACTIONS,
            }
        ],
    }


@router.get("/metadata", response_class=FhirResponse, summary="CapabilityStatement")
async def metadata(request: Request) -> FhirResponse:
    return FhirResponse(capability_statement(request.app.state.runtime.settings.public_base_url))
