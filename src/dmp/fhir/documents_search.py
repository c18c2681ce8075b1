"""ITI-67 Find Document References, and reading one DocumentReference.

Results are exactly what the caller may see: the documents service carries the access
rule into the SQL query, so masked documents are absent for whoever may not see them and
paging never leaks a count of hidden ones. A search without dates returns everything the
caller may see; on a first visit the professional's software asks for the last two years
of care (``creation=ge…``, see docs/fhir.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.tokens import ProfessionalCredential
from dmp.db.uow import commit_now
from dmp.documents.reading import read_document
from dmp.documents.schemas import DocumentSearch, SortKey
from dmp.documents.search import count_documents, find_documents
from dmp.dossiers.errors import DossierNotFound
from dmp.dossiers.service import lookup_dossier
from dmp.errors import DmpError
from dmp.fhir.codes import CLASS_SYSTEM, CONFIDENTIALITY_SYSTEM, INS_SYSTEMS, VISIBILITY_SYSTEMS
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.errors import InvalidElement, InvalidSearch, MissingSearchParameter
from dmp.fhir.http import (
    FHIR_CONTROL_PARAMETERS,
    FhirResponse,
    ignored_parameters_outcome,
    page_url,
    searchset,
    unknown_parameters,
)
from dmp.fhir.ids import parse_document_id, parse_patient_id
from dmp.fhir.mappers.document_reference import document_reference, obligation_issues
from dmp.fhir.search_params import date_range, strings, tokens
from dmp.policy import DocumentStatus, Visibility
from dmp.reference import document_types
from dmp.runtime import Runtime

router = APIRouter(tags=["Documents (ITI-65, ITI-67, ITI-68)"])

_STATUSES = {
    "current": {DocumentStatus.APPROVED, DocumentStatus.ARCHIVED},
    "superseded": {DocumentStatus.DEPRECATED},
    "entered-in-error": {DocumentStatus.DELETED},
}
_SORTS = {"-date": SortKey.SUBMITTED_AT, "-creation": SortKey.CREATION_TIME}
MAX_COUNT = 500
DEFAULT_COUNT = 50


def _codes(name: str, values: list[str], systems: tuple[str | None, ...]) -> frozenset[str]:
    found = set()
    for token in tokens(name, values):
        if token.system not in (None, *systems):
            raise InvalidSearch(
                name=name,
                detail=f"système {token.system} inconnu pour ce paramètre",
                detail_en=f"unknown system {token.system} for this parameter",
            )
        found.add(token.code)
    return frozenset(found)


def _statuses(request: Request) -> frozenset[DocumentStatus]:
    values = request.query_params.getlist("status")
    statuses: set[DocumentStatus] = set()
    for token in tokens("status", values) if values else []:
        if token.code not in _STATUSES:
            raise InvalidSearch(
                name="status",
                detail=f"« {token.code} » (current, superseded, entered-in-error)",
                detail_en=f"'{token.code}' (current, superseded, entered-in-error)",
            )
        statuses |= _STATUSES[token.code]
    if not statuses:
        statuses = set(_STATUSES["current"])  # the DMP's consultation default
    archived = request.query_params.getlist("PDSm_isArchived")
    if archived:
        wanted = {t.code.lower() for t in tokens("PDSm_isArchived", archived)}
        if not wanted <= {"true", "false"}:
            raise InvalidSearch(
                name="PDSm_isArchived", detail="true ou false", detail_en="true or false"
            )
        if wanted == {"true"}:
            statuses &= {DocumentStatus.ARCHIVED}
        elif wanted == {"false"}:
            statuses -= {DocumentStatus.ARCHIVED}
    return frozenset(statuses)


def _security_labels(values: list[str]) -> frozenset[Visibility]:
    labels = set()
    for token in tokens("security-label", values):
        if token.code == "N" and token.system in (
            None,
            CONFIDENTIALITY_SYSTEM,
            *VISIBILITY_SYSTEMS,
        ):
            continue  # every document is at least "normal"
        if (
            token.system not in (None, *VISIBILITY_SYSTEMS)
            or token.code not in Visibility.__members__
        ):
            raise InvalidSearch(
                name="security-label",
                detail=f"« {token.code} » (N, MASQUE_PS, INVISIBLE_PATIENT, "
                "INVISIBLE_REPRESENTANTS_LEGAUX)",
                detail_en=f"'{token.code}' (N, MASQUE_PS, INVISIBLE_PATIENT, "
                "INVISIBLE_REPRESENTANTS_LEGAUX)",
            )
        labels.add(Visibility(token.code))
    return frozenset(labels)


def document_search(request: Request, *, limit: int, cursor: str | None) -> DocumentSearch:
    params = request.query_params
    submitted = date_range("date", params.getlist("date"))
    created = date_range("creation", params.getlist("creation"))
    service = date_range("period", params.getlist("period"))
    type_systems = tuple({t.system for t in document_types().values()})
    authors = strings(params.getlist("author.given") + params.getlist("author.family"))
    sort = params.get("_sort")
    if sort is not None and sort not in _SORTS:
        raise InvalidSearch(
            name="_sort",
            detail=f"« {sort} » (-date, -creation)",
            detail_en=f"'{sort}' (-date, -creation)",
        )
    try:
        return DocumentSearch(
            statuses=_statuses(request),
            class_codes=_codes("category", params.getlist("category"), (CLASS_SYSTEM,)),
            type_codes=_codes("type", params.getlist("type"), type_systems),
            created_from=created.start,
            created_to=created.end,
            service_from=service.start,
            service_to=service.end,
            submitted_from=submitted.start,
            submitted_to=submitted.end,
            author_name=" ".join(authors) or None,
            practice_settings=frozenset(
                t.code for t in tokens("setting", params.getlist("setting"))
            ),
            security_labels=_security_labels(params.getlist("security-label")),
            sort=_SORTS.get(sort or "-creation", SortKey.CREATION_TIME),
            limit=limit,
            cursor=cursor,
        )
    except ValueError as exc:  # pydantic's limits (lengths) on what was sent
        raise InvalidSearch(name="?", detail=str(exc)[:300], detail_en=str(exc)[:300]) from None


async def _dossier_searched(
    request: Request, session: AsyncSession, rt: Runtime, credential: ProfessionalCredential
) -> uuid.UUID | None:
    """The dossier the search is about; None when no DMP answers to what was given."""
    params = request.query_params
    patient, identifier = params.get("patient"), params.get("patient.identifier")
    if patient:
        try:
            return parse_patient_id(patient, path="patient")
        except InvalidElement:
            return None
    if identifier:
        system, _, nir = identifier.partition("|")
        if system not in INS_SYSTEMS or not nir:
            raise InvalidSearch(
                name="patient.identifier",
                detail=f"{INS_SYSTEMS[0]}|<NIR> attendu",
                detail_en=f"{INS_SYSTEMS[0]}|<NIR> expected",
            )
        summary = await lookup_dossier(session, rt=rt, actor=credential.actor, nir=nir)
        return summary.dossier_id if summary else None
    raise MissingSearchParameter(names="patient ou patient.identifier")


def _parameter(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


# Declared for the OpenAPI description only: the handler reads them from the query string
# itself (``document_search``), as FHIR wants (repeated parameters, prefixes, systems), so
# FastAPI's own parsing of fifteen optional parameters was CPU spent for nothing.
_OPENAPI_PARAMETERS = [
    _parameter("patient", "Patient/<id> (from the INS lookup)"),
    _parameter("patient.identifier", "urn:oid:1.2.250.1.213.1.4.8|<NIR>"),
    _parameter("status", "current | superseded | entered-in-error"),
    _parameter("PDSm_isArchived", "true | false"),
    _parameter("category", "class code (TRE_A03)"),
    _parameter("type", "type code (LOINC or TRE_A05)"),
    _parameter("date", "when the reference entered the DMP"),
    _parameter("creation", "the document's own date"),
    _parameter("period", "the care period (overlap)"),
    _parameter("author.given", "author's given name"),
    _parameter("author.family", "author's family name"),
    _parameter("setting", "practice setting code"),
    _parameter("security-label", "TRE_A07 code, or N"),
    _parameter("_count", "page size", {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}),
    _parameter("_sort", "-creation or -date"),
    _parameter("_cursor", "from a next link"),
]
# What the searchset reports as ignored is whatever the OpenAPI list does not name.
SEARCH_PARAMETERS = frozenset(p["name"] for p in _OPENAPI_PARAMETERS) - FHIR_CONTROL_PARAMETERS


@dataclass(frozen=True, slots=True)
class _Asked:
    """A search's parameters, read before the assertion's jti is spent, i.e. before the
    request's transaction begins (on SQLite, outside the write lock: about a tenth of a
    search's locked stretch). A refusal found there is kept and raised by the handler,
    after the spend, where it always was: a replayed assertion is refused as replayed,
    whatever its query, and a refused search still uses its assertion up."""

    count: int | None = None
    unknown: list[str] = field(default_factory=list)
    query: DocumentSearch | None = None
    refusal: DmpError | None = None


async def _asked(request: Request) -> _Asked:
    """FastAPI dependency, declared before the credential's (FastAPI and the direct
    routes resolve them in that order); ``async`` so that it runs on the loop."""
    try:
        count = _count(request)
        unknown = unknown_parameters(request, SEARCH_PARAMETERS)
        cursor = request.query_params.get("_cursor")
        query = document_search(request, limit=max(count or DEFAULT_COUNT, 1), cursor=cursor)
    except DmpError as refusal:
        return _Asked(refusal=refusal)
    return _Asked(count=count, unknown=unknown, query=query)


Asked = Annotated[_Asked, Depends(_asked)]


def _count(request: Request) -> int | None:
    value = request.query_params.get("_count")
    if value is None:
        return None
    if not value.isdecimal() or int(value) > MAX_COUNT:
        raise InvalidSearch(
            name="_count",
            detail=f"un entier de 0 à {MAX_COUNT}",
            detail_en=f"an integer from 0 to {MAX_COUNT}",
        )
    return int(value)


@router.get(
    "/DocumentReference",
    response_class=FhirResponse,
    summary="Find Document References (ITI-67)",
    description="Search one patient's documents (`patient` or `patient.identifier` is "
    "required). Without `status`, current documents only. Dates take the FHIR prefixes "
    "eq, ge, gt, le, lt. Newest first (`_sort=-creation`, the default, or `-date`); "
    "`_count` per page (≤ 500) with a `next` link. Unknown parameters are ignored and "
    "reported, or refused with `Prefer: handling=strict`.",
    openapi_extra={"parameters": _OPENAPI_PARAMETERS},
)
async def find_document_references(
    request: Request,
    asked: Asked,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    if asked.refusal is not None:
        raise asked.refusal
    count, unknown, query = asked.count, asked.unknown, asked.query
    assert query is not None  # no refusal: the query was read
    notes: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    total = next_url = found = None
    dossier_id = await _dossier_searched(request, session, rt, credential)
    try:
        if dossier_id is None:
            raise DossierNotFound(what="DMP")
        if count == 0:  # the total only
            total = await count_documents(
                session, rt=rt, actor=credential.actor, dossier_id=dossier_id, query=query
            )
        else:  # one decision and one trace, with the total or without
            found = await find_documents(
                session,
                rt=rt,
                actor=credential.actor,
                dossier_id=dossier_id,
                query=query,
                with_total=request.query_params.get("_total") == "accurate",
            )
            total = found.total
    except DossierNotFound:
        total = 0
        notes = [
            {
                "severity": "information",
                "code": "not-found",
                "details": {"text": "Aucun DMP ne correspond à ce patient."},
                "diagnostics": "No DMP matches this patient.",
            }
        ]
    await commit_now(session)  # read and traced: the rest is rendering
    if found is not None:
        page = found.page()
        base = rt.settings.public_base_url
        entries = [document_reference(item, base_url=base) for item in page.items]
        notes = obligation_issues(page.obligations)
        if page.next_cursor:
            next_url = page_url(request, _cursor=page.next_cursor)
    outcome = ignored_parameters_outcome(unknown, notes)
    return FhirResponse(
        searchset(request, entries, total=total, next_url=next_url, outcome=outcome)
    )


@router.get(
    "/DocumentReference/{resource_id}",
    response_class=FhirResponse,
    summary="Read one DocumentReference",
    description="One document version's metadata, if the caller may see it (traced).",
)
async def read_document_reference(
    resource_id: str,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    dossier_id, version_id = parse_document_id(resource_id)
    document = await read_document(
        session, rt=rt, actor=credential.actor, dossier_id=dossier_id, document_id=version_id
    )
    await commit_now(session)
    resource = document_reference(document, base_url=rt.settings.public_base_url)
    return FhirResponse(resource, headers={"ETag": f'W/"{document.metadata_version}"'})
