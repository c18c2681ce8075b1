"""DocumentReference updates by PATCH (``PATCH /fhir/DocumentReference/{id}``), as the
PDSm CapabilityStatement declares: the status (deletion by the author) and the security
labels (MASQUE_PS, INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX of TRE_A07). The
body is a JSON Patch (``application/json-patch+json``) or a JSON Merge Patch
(``application/merge-patch+json``, or plain JSON as fhirpy's ``patch`` sends it).

The patch is applied to the resource as the caller reads it, and the result compared with
it: only ``status`` and ``securityLabel`` may differ. ``entered-in-error`` deletes the
document (its author only; the versions it replaced go with it). ``superseded`` is what a
replacement does (ITI-65 with ``relatesTo.code = replaces``): it is not set by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request

from dmp.documents.reading import read_document
from dmp.documents.schemas import DocumentOut
from dmp.documents.service import delete_document
from dmp.documents.visibility import set_visibility
from dmp.errors import UnsupportedMediaType
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.errors import MalformedPatch, PatchRefused
from dmp.fhir.http import FhirResponse
from dmp.fhir.ids import parse_document_id
from dmp.fhir.json_patch import apply_merge_patch, apply_patch
from dmp.fhir.mappers.document_reference import document_reference
from dmp.fhir.mappers.provide import visibility_of

router = APIRouter(tags=["Documents (ITI-65, ITI-67, ITI-68)"])

PATCH_TYPE = "application/json-patch+json"
MERGE_TYPES = (
    "application/merge-patch+json",
    "application/json",
    "application/fhir+json",
)
_CHANGEABLE = frozenset({"status", "securityLabel"})
_PATCH_BODY = {
    "required": True,
    "content": {
        PATCH_TYPE: {
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["op", "path"],
                    "properties": {
                        "op": {"type": "string", "enum": ["add", "remove", "replace", "test"]},
                        "path": {"type": "string"},
                        "value": {},
                    },
                },
            },
            "example": [{"op": "replace", "path": "/status", "value": "entered-in-error"}],
        },
        "application/merge-patch+json": {
            "schema": {"type": "object"},
            "example": {"status": "entered-in-error"},
        },
    },
}


async def _patcher(request: Request) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """How to patch, from the body's media type: JSON Patch or JSON Merge Patch."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != PATCH_TYPE and media_type not in MERGE_TYPES:
        accepted = ", ".join((PATCH_TYPE, *MERGE_TYPES))
        raise UnsupportedMediaType(detail=f"{media_type or 'absent'} ; attendu {accepted}")
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise MalformedPatch(detail="JSON illisible", detail_en="unreadable JSON") from None
    if media_type == PATCH_TYPE:
        return lambda resource: apply_patch(resource, body)
    return lambda resource: apply_merge_patch(resource, body)


def _refused(fr: str, en: str) -> PatchRefused:
    return PatchRefused(detail=fr, detail_en=en)


@router.patch(
    "/DocumentReference/{resource_id}",
    response_class=FhirResponse,
    summary="Update a DocumentReference's status or security labels (JSON Patch)",
    description="JSON Patch (`application/json-patch+json`) or JSON Merge Patch "
    "(`application/merge-patch+json`, or `application/json`). `/status` → "
    "`entered-in-error` deletes the document (author only). `/securityLabel` adds or "
    "removes MASQUE_PS (treating physicians), INVISIBLE_PATIENT and "
    "INVISIBLE_REPRESENTANTS_LEGAUX (author or treating physicians), system TRE_A07. "
    "Nothing else may change.",
    openapi_extra={"requestBody": _PATCH_BODY},
)
async def patch_document_reference(
    resource_id: str,
    request: Request,
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    dossier_id, version_id = parse_document_id(resource_id)
    patch = await _patcher(request)
    actor = credential.actor
    document = await read_document(
        session, rt=rt, actor=actor, dossier_id=dossier_id, document_id=version_id
    )
    base = rt.settings.public_base_url
    before = document_reference(document, base_url=base)
    after = patch(before)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    if changed - _CHANGEABLE:
        names = ", ".join(sorted(changed - _CHANGEABLE))
        raise _refused(
            f"seuls status et securityLabel se modifient (demandé : {names})",
            f"only status and securityLabel can change (asked: {names})",
        )
    result: DocumentOut = document
    if "securityLabel" in changed:
        wanted = visibility_of(after.get("securityLabel") or [], "DocumentReference") or frozenset()
        ordered = [(code, False) for code in sorted(document.visibility - wanted)]
        ordered += [(code, True) for code in sorted(wanted - document.visibility)]
        for code, on in ordered:  # lifts first, so that switching two exclusive codes works
            result = await set_visibility(
                session,
                rt=rt,
                actor=actor,
                dossier_id=dossier_id,
                document_id=version_id,
                code=code,
                on=on,
            )
    if "status" in changed:
        status = after.get("status")
        if status == "entered-in-error":
            result = await delete_document(
                session, rt=rt, actor=actor, dossier_id=dossier_id, document_id=version_id
            )
        elif status == "superseded":
            raise _refused(
                "un document devient superseded en étant remplacé : déposez la nouvelle "
                "version (ITI-65, relatesTo.code = replaces)",
                "a document becomes superseded by being replaced: provide the new version "
                "(ITI-65, relatesTo.code = replaces)",
            )
        else:
            raise _refused(
                f"passage au statut « {status} » impossible (entered-in-error seulement)",
                f"status '{status}' cannot be set (entered-in-error only)",
            )
    resource = document_reference(result, base_url=base)
    return FhirResponse(resource, headers={"ETag": f'W/"{result.metadata_version}"'})
