"""The feed endpoints, for machine clients with a feed certificate (CPS-style signed
assertion, ``OU=FEED-…``): the Assurance Maladie posts care lines, the Dossier
Pharmaceutique dispensations. Any other caller — a professional, a regulator, the other
feed — is refused.

Mounted by ``create_app`` as
``app.include_router(feeds_router(professional_credential), prefix="/feeds")``: the
credential dependency is the FHIR API's (``dmp.fhir.security``), passed in so that this
domain does not import an adapter.
"""

# No ``from __future__ import annotations`` here: FastAPI must evaluate the routes'
# annotations, which name the credential dependency passed to ``feeds_router``.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.profiles import FeedSource
from dmp.auth.tokens import ProfessionalCredential
from dmp.errors import AccessDenied, InvalidInput, TooLarge, UnsupportedMediaType
from dmp.feeds.dispensations import parse_dispensations, store_dispensations
from dmp.feeds.ingest import ingest_in_session
from dmp.feeds.reimbursements import today
from dmp.feeds.schemas import FeedReport
from dmp.feeds.sections import LineRefused, ParsedRow, parse_rows, read_csv
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime
from dmp.web.deps import request_runtime, request_session

CredentialDependency = Callable[[Request], Awaitable[ProfessionalCredential]]


def _feed(credential: ProfessionalCredential, source: FeedSource) -> Actor:
    if credential.actor.kind is not ActorKind.FEED or credential.feed_source is not source:
        raise AccessDenied(reason="feed_certificate_required", action=f"feed:{source.value}")
    return credential.actor


async def _body(request: Request, rt: Runtime) -> bytes:
    limit = rt.settings.feed_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(size=int(declared), limit=limit)
    body = await request.body()
    if len(body) > limit:
        raise TooLarge(size=len(body), limit=limit)
    return body


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidInput(detail=f"JSON illisible : {error}") from None


def _care_rows(request: Request, body: bytes, rt: Runtime) -> list[ParsedRow]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "text/csv":
            return list(read_csv(body.decode("utf-8-sig"), today=today(rt)))
        if kind in ("application/json", ""):
            payload = _json(body)
            lines = payload.get("lines") if isinstance(payload, dict) else None
            if not isinstance(lines, list) or not all(isinstance(x, dict) for x in lines):
                raise InvalidInput(detail='objet {"lines": [ … ]} attendu')
            texts = [{str(k): None if v is None else str(v) for k, v in x.items()} for x in lines]
            return list(parse_rows(texts, today=today(rt), first=1))
    except (LineRefused, UnicodeDecodeError) as error:
        raise InvalidInput(detail=str(error)) from None
    raise UnsupportedMediaType(detail=f"{kind} (attendu : application/json ou text/csv)")


def feeds_router(credential: CredentialDependency) -> APIRouter:
    router = APIRouter(tags=["feeds"])
    Credential = Annotated[ProfessionalCredential, Depends(credential)]
    Db = Annotated[AsyncSession, Depends(request_session)]
    Rt = Annotated[Runtime, Depends(request_runtime)]

    @router.post("/reimbursements", summary="Assurance Maladie: care lines (JSON or CSV)")
    async def reimbursements(
        request: Request, caller: Credential, session: Db, rt: Rt
    ) -> FeedReport:
        actor = _feed(caller, FeedSource.ASSURANCE_MALADIE)
        rows = _care_rows(request, await _body(request, rt), rt)
        return await ingest_in_session(session, rt=rt, actor=actor, rows=rows)

    @router.post("/dispensations", summary="Dossier Pharmaceutique: dispensed medicines")
    async def dispensations(
        request: Request, caller: Credential, session: Db, rt: Rt
    ) -> FeedReport:
        actor = _feed(caller, FeedSource.DOSSIER_PHARMACEUTIQUE)
        items = parse_dispensations(_json(await _body(request, rt)))
        report = await store_dispensations(session, rt=rt, actor=actor, items=items)
        return FeedReport(
            received=report.received,
            stored=report.stored,
            already_present=report.already_present,
            too_old=report.expired,
            refused=report.refused,
            reasons=report.reasons,
        )

    return router
