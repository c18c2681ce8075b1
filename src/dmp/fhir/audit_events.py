"""``GET /fhir/AuditEvent?patient=``: the dossier's traces for its treating physicians and
administrators (the holder reads them in the portal), newest first, IHE BALP shape.
Reading them is itself an access, decided and traced."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from dmp.audit.history import MAX_PAGE, read_access_history
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.errors import InvalidSearch
from dmp.fhir.http import (
    FhirResponse,
    ignored_parameters_outcome,
    page_url,
    searchset,
    unknown_parameters,
)
from dmp.fhir.ids import patient_id_in_path
from dmp.fhir.mappers.audit_event import audit_event
from dmp.fhir.search_params import date_range

router = APIRouter(tags=["AuditEvent"])


@router.get(
    "/AuditEvent",
    response_class=FhirResponse,
    summary="The dossier's access history (IHE BALP AuditEvents)",
    description="For the dossier's treating physicians and administrators. `date` takes "
    "the prefixes eq, ge, gt, le, lt; `_count` per page (≤ 200) with a `next` link.",
)
async def search_audit_events(
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
    patient: Annotated[str, Query(description="Patient/<id>")],
    date: Annotated[str | None, Query(description="when the event was recorded")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(alias="_cursor", description="from a next link")] = None,
) -> FhirResponse:
    unknown = unknown_parameters(request, frozenset({"patient", "date"}))
    dossier_id = patient_id_in_path(patient.rstrip("/").rsplit("/", 1)[-1])
    window = date_range("date", request.query_params.getlist("date"))
    if cursor is not None and not cursor.isdigit():
        raise InvalidSearch(name="_cursor", detail="curseur invalide", detail_en="invalid cursor")
    page = await read_access_history(
        session,
        rt=rt,
        actor=credential.actor,
        dossier_id=dossier_id,
        since=window.start,
        until=window.end + timedelta(microseconds=1) if window.end else None,
        before_seq=int(cursor) if cursor else None,
        limit=count,
    )
    entries = [audit_event(entry, dossier_id=dossier_id) for entry in page.entries]
    next_url = (
        page_url(request, _cursor=str(page.next_before_seq)) if page.next_before_seq else None
    )
    outcome = ignored_parameters_outcome(unknown)
    return FhirResponse(searchset(request, entries, next_url=next_url, outcome=outcome))
