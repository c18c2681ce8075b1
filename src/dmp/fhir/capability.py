"""The CapabilityStatement: exactly what this server supports, nothing more."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from dmp import __version__
from dmp.fhir.http import FhirResponse

router = APIRouter(tags=["Capabilities"])

# Each resource this server exposes registers its interactions and search parameters.
RESOURCES: list[dict[str, Any]] = [
    {
        "type": "Patient",
        "interaction": [{"code": "search-type"}],
        "searchParam": [
            {
                "name": "identifier",
                "type": "token",
                "documentation": "INS: urn:oid:1.2.250.1.213.1.4.8|<NIR>. "
                "Answers the DMP's status and the caller's access to it.",
            }
        ],
    },
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
            }
        ],
    }


@router.get("/metadata", response_class=FhirResponse, summary="CapabilityStatement")
async def metadata(request: Request) -> FhirResponse:
    return FhirResponse(capability_statement(request.app.state.runtime.settings.public_base_url))
