"""Patient lookup by INS — the "DMP button" of professionals' software."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from dmp.dossiers.administration import read_administrative_data
from dmp.dossiers.button import press_dmp_button
from dmp.errors import InvalidInput
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.http import FhirResponse, information_outcome, searchset, unknown_parameters
from dmp.fhir.ids import patient_id_in_path
from dmp.fhir.mappers.dossier import patient_of
from dmp.fhir.mappers.patient import patient_resource
from dmp.identity.nir import INS_NIR_SYSTEM, INS_TEST_SYSTEM

router = APIRouter(tags=["Patient"])
PATIENT_SEARCH_PARAMETERS = frozenset({"identifier"})
INS_SYSTEMS = (INS_NIR_SYSTEM, INS_TEST_SYSTEM)


def parse_ins_token(token: str) -> str:
    system, _, value = token.partition("|")
    if not value:
        raise InvalidInput(detail=f"identifier attendu sous la forme {INS_NIR_SYSTEM}|<NIR>")
    if system not in INS_SYSTEMS:
        raise InvalidInput(detail=f"système d'identifiant non pris en charge : {system}")
    return value


@router.get(
    "/Patient",
    response_class=FhirResponse,
    summary="Does this patient have a DMP? (lookup by INS)",
)
async def search_patient(
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
    identifier: Annotated[str, Query(description=f"{INS_NIR_SYSTEM}|<NIR>")],
) -> FhirResponse:
    unknown = unknown_parameters(request, PATIENT_SEARCH_PARAMETERS)
    nir = parse_ins_token(identifier)
    answer = await press_dmp_button(session, rt=rt, actor=credential.actor, nir=nir)
    entries = (
        []
        if answer is None
        else [patient_resource(answer, nir=nir, base_url=rt.settings.public_base_url)]
    )
    outcome = information_outcome([f"paramètre ignoré : {n}" for n in unknown]) if unknown else None
    return FhirResponse(searchset(request, entries, total=len(entries), outcome=outcome))


@router.get(
    "/Patient/{patient_id}",
    response_class=FhirResponse,
    summary="Read a Patient (the dossier's identity and status)",
    description="For those who may read the dossier's administrative data (traced).",
)
async def read_patient(
    patient_id: str,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    dossier_id = patient_id_in_path(patient_id)
    data = await read_administrative_data(
        session, rt=rt, actor=credential.actor, dossier_id=dossier_id
    )
    return FhirResponse(
        patient_of(
            None,
            dossier_id=dossier_id,
            base_url=rt.settings.public_base_url,
            identity=data.identity,
            status=data.status,
        )
    )
