"""ITI-68 Retrieve Document: the bytes behind ``attachment.url``.

The original bytes with their own Content-Type, or, when the client asks for
``application/fhir+json`` (or JSON), a Binary resource carrying them in base64. The ETag
is the content's SHA-256 (strong: the bytes never change under an id). A conditional GET
whose ETag matches answers 304 without the body (and without fetching it), and is still
a read: decided and traced like any other. The content is fetched from the blob store
after the read is traced and committed (decision 0012). Nothing is cached by
intermediaries (``private, no-cache``).
"""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime

import pybase64
from fastapi import APIRouter, Request
from fastapi.responses import Response

from dmp.db.uow import commit_now
from dmp.documents.reading import find_document_content
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.http import FhirResponse
from dmp.fhir.ids import document_id, parse_document_id
from dmp.fhir.mappers.document_reference import OBLIGATION_TEXT

router = APIRouter(tags=["Documents (ITI-65, ITI-67, ITI-68)"])

_RESOURCE_TYPES = ("application/fhir+json", "application/json+fhir", "application/json")


def wants_resource(request: Request) -> bool:
    """A Binary resource for FHIR JSON (or ``_format=json``); the bytes for the
    document's own type, ``*/*`` or no Accept at all."""
    if request.query_params.get("_format") in ("json", *_RESOURCE_TYPES):
        return True
    accept = request.headers.get("accept", "")
    ranges = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(item in _RESOURCE_TYPES for item in ranges)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@router.get(
    "/Binary/{resource_id}",
    summary="Retrieve Document (ITI-68)",
    description="The document's original bytes with its Content-Type and an ETag (its "
    "SHA-256); `If-None-Match` answers 304. With `Accept: application/fhir+json`, a Binary "
    "resource. Every retrieval, 304 included, is traced.",
    responses={
        200: {
            "content": {
                "application/pdf": {},
                "application/fhir+json": {},
                "text/xml": {},
                "text/plain": {},
                "image/jpeg": {},
                "image/png": {},
            },
            "description": "The document",
        },
        304: {"description": "Unchanged (ETag matched)"},
    },
)
async def retrieve_document(
    resource_id: str,
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> Response:
    dossier_id, version_id = parse_document_id(resource_id, "Binary")
    found = await find_document_content(
        session, rt=rt, actor=credential.actor, dossier_id=dossier_id, document_id=version_id
    )
    # Decided and traced: the rest is the answer, the content's fetch from the blob store
    # included (decision 0012), which needs no transaction.
    await commit_now(session)
    document = found.document
    etag = f'"{document.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "Last-Modified": format_datetime(document.submitted_at.astimezone(UTC), usegmt=True),
        "Vary": "Accept",
    }
    notices = sorted(o.value for o in found.obligations if o in OBLIGATION_TEXT)
    if notices:
        # The bytes have no room for them: the obligations ride in a header.
        headers["X-DMP-Obligations"] = ", ".join(notices)
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)  # the client holds these bytes
    content = await found.read()
    if wants_resource(request):
        binary = {
            "resourceType": "Binary",
            "id": document_id(dossier_id, version_id),
            "contentType": document.mime,
            "securityContext": {
                "reference": f"DocumentReference/{document_id(dossier_id, version_id)}"
            },
            "data": pybase64.b64encode(content.data).decode(),
        }
        return FhirResponse(binary, headers=headers)
    return Response(content.data, media_type=document.mime, headers=headers)
