"""Authorizations, blocks, designations and emergency consents as FHIR Consent.

``POST /fhir/Consent`` with ``provision.type = permit`` and the caller as
``provision.actor``: the professional declares the patient's consent and becomes
authorized; the posted resource is the declaration (the token's ``consent`` claim is
not needed), kept as evidence in the authorization row (declarer, time) and the trace.
Treating physicians and administrators read (``GET /fhir/Consent?patient=``) and change
the others: authorize or block a professional, designate, and set the emergency consents
(BTG, ETREAT, MASKED). ``DELETE /fhir/Consent/{id}`` revokes, ends a designation or
(for the patient only, through the portal) unblocks. The policy decides each time.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.access.service import (
    authorize_professional,
    block_professional,
    declare_consent,
    designate_treating_physician,
    list_professionals,
    remove_treating_physician,
    revoke_authorization,
    unblock_professional,
)
from dmp.dossiers.administration import read_administrative_data, set_emergency_consents
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.errors import OperationNotAllowed
from dmp.fhir.http import (
    FhirResponse,
    ignored_parameters_outcome,
    read_resource,
    searchset,
    unknown_parameters,
    validate_with_models,
)
from dmp.fhir.ids import patient_id_in_path
from dmp.fhir.mappers.consent import (
    ADMINISTRATOR,
    AUTHORIZATION,
    BLOCK,
    TREATING,
    ConsentRequest,
    consent_request,
    emergency_consent,
    parse_consent_id,
    professional_consents,
)
from dmp.policy import Actor
from dmp.runtime import Runtime

router = APIRouter(tags=["Consent"])
_CONSENT_BODY = {
    "required": True,
    "content": {
        m: {
            "schema": {
                "type": "object",
                "required": ["resourceType", "status", "patient", "provision"],
                "properties": {
                    "resourceType": {"type": "string", "enum": ["Consent"]},
                    "status": {"type": "string", "enum": ["active"]},
                },
            }
        }
        for m in ("application/fhir+json", "application/json")
    },
}


async def _emergency(
    session: AsyncSession, rt: Runtime, actor: Actor, wanted: ConsentRequest
) -> dict[str, Any]:
    current = await read_administrative_data(
        session, rt=rt, actor=actor, dossier_id=wanted.dossier_id
    )
    values = {"BTG": current.btg_consent, "ETREAT": current.etreat_consent}
    values["MASKED"] = current.masked_consent
    values[str(wanted.emergency)] = wanted.permit
    await set_emergency_consents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=wanted.dossier_id,
        btg=values["BTG"],
        etreat=values["ETREAT"],
        masked=values["MASKED"],
    )
    return emergency_consent(
        wanted.dossier_id, str(wanted.emergency), wanted.permit, rt.settings.public_base_url
    )


async def _professional(
    session: AsyncSession, rt: Runtime, actor: Actor, wanted: ConsentRequest
) -> ProfessionalAccess:
    target, dossier_id = str(wanted.professional_id), wanted.dossier_id
    if wanted.kind in (TREATING, ADMINISTRATOR):
        role = (
            ManagerRole.TREATING_PHYSICIAN if wanted.kind == TREATING else ManagerRole.ADMINISTRATOR
        )
        return await designate_treating_physician(
            session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=target, role=role
        )
    if wanted.kind == BLOCK:
        return await block_professional(
            session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=target
        )
    if target == actor.id:
        return await declare_consent(session, rt=rt, actor=actor, dossier_id=dossier_id)
    return await authorize_professional(
        session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=target
    )


@router.post(
    "/Consent",
    response_class=FhirResponse,
    status_code=201,
    summary="Declare the patient's consent, authorize, block, designate, set emergency consents",
    description="`provision.type` permit with the caller as `provision.actor` (identifier "
    "urn:oid:1.2.250.1.71.4.2.1): the caller declares the patient's consent and becomes "
    "authorized. Another professional: authorize (permit), block (deny), designate (role "
    "PCP). `provision.purpose` BTG, ETREAT or MASKED: the emergency consent given (permit) "
    "or refused (deny).",
    openapi_extra={"requestBody": _CONSENT_BODY},
)
async def create_consent(
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    resource = await read_resource(request, expected="Consent")
    validate_with_models(resource)
    base = rt.settings.public_base_url
    wanted = consent_request(resource, base)
    if wanted.emergency is not None:
        consent = await _emergency(session, rt, credential.actor, wanted)
    else:
        access = await _professional(session, rt, credential.actor, wanted)
        consents = professional_consents(wanted.dossier_id, access, base)
        kind = {TREATING: "pcp", ADMINISTRATOR: "admin"}.get(wanted.kind)
        consent = next((c for c in consents if kind and c["id"].split(".")[1] == kind), consents[0])
    return FhirResponse(
        consent, status_code=201, headers={"Location": f"{base}/fhir/Consent/{consent['id']}"}
    )


@router.get(
    "/Consent",
    response_class=FhirResponse,
    summary="Who may read this DMP: authorizations, blocks, designations, emergency consents",
    description="For the dossier's treating physicians and administrators (traced).",
)
async def search_consents(
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
    patient: Annotated[str, Query(description="Patient/<id>")],
) -> FhirResponse:
    unknown = unknown_parameters(request, frozenset({"patient"}))
    dossier_id = patient_id_in_path(patient.rstrip("/").rsplit("/", 1)[-1])
    actor, base = credential.actor, rt.settings.public_base_url
    professionals = await list_professionals(session, rt=rt, actor=actor, dossier_id=dossier_id)
    data = await read_administrative_data(session, rt=rt, actor=actor, dossier_id=dossier_id)
    entries = [
        c for access in professionals for c in professional_consents(dossier_id, access, base)
    ]
    for code, given in (
        ("BTG", data.btg_consent),
        ("ETREAT", data.etreat_consent),
        ("MASKED", data.masked_consent),
    ):
        entries.append(emergency_consent(dossier_id, code, given, base))
    outcome = ignored_parameters_outcome(unknown)
    return FhirResponse(searchset(request, entries, total=len(entries), outcome=outcome))


@router.delete(
    "/Consent/{consent_id}",
    status_code=204,
    summary="Revoke an authorization, end a designation, or unblock (patient only)",
)
async def delete_consent(
    consent_id: str,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> Response:
    target = parse_consent_id(consent_id)
    actor, dossier_id = credential.actor, target.dossier_id
    professional_id = str(target.professional_id)
    if target.kind == AUTHORIZATION:
        await revoke_authorization(
            session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=professional_id
        )
    elif target.kind == BLOCK:
        await unblock_professional(
            session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=professional_id
        )
    elif target.kind in (TREATING, ADMINISTRATOR):
        await remove_treating_physician(
            session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=professional_id
        )
    else:
        raise OperationNotAllowed(
            detail="un consentement d'urgence ne se supprime pas : déposez-le en permit ou deny",
            detail_en="an emergency consent is not deleted: post it as permit or deny",
        )
    return Response(status_code=204)
