"""Dossier operations for professionals: ``$create-dmp`` on Patient, ``$close-dmp`` and
``$reactivate-dmp`` on one Patient (whose id is its dossier's id).

The creating professional declares the consent and becomes authorized. The patient's
secrets (login id and initial password) come back once, in the created Patient's
``dmp-secrets-letter`` extension, for the professional's software to print on the
secrets letter handed to the patient; they are never stored in clear nor shown again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from dmp.dossiers.service import close_dossier, create_dossier, reactivate_dossier
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.http import FhirResponse, read_resource, validate_with_models
from dmp.fhir.ids import patient_id_in_path
from dmp.fhir.mappers.dossier import (
    closure_reason,
    consent_of,
    dossier_create,
    patient_of,
    secrets_extension,
)

router = APIRouter(tags=["Patient"])


def _body(names: list[str], description: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": ["resourceType"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Parameters"]},
            "parameter": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string", "enum": names}},
                },
            },
        },
    }
    return {
        "required": True,
        "description": description,
        "content": {m: {"schema": schema} for m in ("application/fhir+json", "application/json")},
    }


async def _parameters(request: Request) -> dict[str, Any]:
    parameters = await read_resource(request, expected="Parameters")
    validate_with_models(parameters)
    return parameters


@router.post(
    "/Patient/$create-dmp",
    response_class=FhirResponse,
    status_code=201,
    summary="Create a DMP with the patient's consent ($create-dmp)",
    description="Parameters: `patient` (Patient: INS identifier, name, birthDate, gender, "
    "telecom), `consent` (boolean, declared by the professional), `legalRepresentative` "
    "(RelatedPerson, required for a minor), `btgConsent`/`etreatConsent` (default true). "
    "Answers the created Patient (201) carrying the secrets letter extension, once.",
    openapi_extra={
        "requestBody": _body(
            ["patient", "consent", "legalRepresentative", "btgConsent", "etreatConsent"],
            "Parameters of $create-dmp",
        )
    },
)
async def create_dmp(
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    creation = dossier_create(await _parameters(request))
    created = await create_dossier(session, rt=rt, actor=credential.actor, request=creation)
    base = rt.settings.public_base_url
    identity = creation.identity.model_dump(mode="json") | {"nir": creation.nir}
    patient = patient_of(None, dossier_id=created.dossier_id, base_url=base, identity=identity)
    patient["extension"].append(secrets_extension(created, base))
    return FhirResponse(
        patient,
        status_code=201,
        headers={
            "Location": f"{base}/fhir/Patient/{created.dossier_id}",
            # The initial password is in this answer: no cache may keep it.
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/Patient/{patient_id}/$close-dmp",
    response_class=FhirResponse,
    summary="Close a DMP ($close-dmp)",
    description="Parameters: `reason` (valueCode patient-request | death | other). The data "
    "is kept 10 years after closure.",
    openapi_extra={"requestBody": _body(["reason"], "Parameters of $close-dmp")},
)
async def close_dmp(
    patient_id: str,
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    dossier_id = patient_id_in_path(patient_id)
    reason = closure_reason(await _parameters(request))
    summary = await close_dossier(
        session, rt=rt, actor=credential.actor, dossier_id=dossier_id, reason=reason
    )
    return FhirResponse(
        patient_of(summary, dossier_id=dossier_id, base_url=rt.settings.public_base_url)
    )


@router.post(
    "/Patient/{patient_id}/$reactivate-dmp",
    response_class=FhirResponse,
    summary="Reactivate a closed DMP ($reactivate-dmp)",
    description="Parameters: `consent` (boolean, the patient's renewed consent, declared by "
    "the professional) and, for a minor, `legalRepresentative` (RelatedPerson).",
    openapi_extra={
        "requestBody": _body(["consent", "legalRepresentative"], "Parameters of $reactivate-dmp")
    },
)
async def reactivate_dmp(
    patient_id: str,
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    dossier_id = patient_id_in_path(patient_id)
    consent = consent_of(await _parameters(request))
    summary = await reactivate_dossier(
        session, rt=rt, actor=credential.actor, dossier_id=dossier_id, consent=consent
    )
    return FhirResponse(
        patient_of(summary, dossier_id=dossier_id, base_url=rt.settings.public_base_url)
    )
