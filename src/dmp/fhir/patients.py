"""Patient lookup by INS — the "DMP button" of professionals' software."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.tokens import ProfessionalCredential
from dmp.dossiers.button import press_dmp_button
from dmp.errors import InvalidInput
from dmp.fhir.http import FhirResponse, information_outcome, searchset, unknown_parameters
from dmp.fhir.mappers.patient import patient_resource
from dmp.fhir.security import professional_credential
from dmp.identity.nir import INS_NIR_SYSTEM, INS_TEST_SYSTEM
from dmp.runtime import Runtime
from dmp.web.deps import request_runtime, request_session

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
    credential: Annotated[ProfessionalCredential, Depends(professional_credential)],
    session: Annotated[AsyncSession, Depends(request_session)],
    rt: Annotated[Runtime, Depends(request_runtime)],
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
