"""FHIR over HTTP: the JSON media types real clients send, responses, search bundles."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from dmp.errors import DmpError, InvalidInput, TooLarge, UnsupportedMediaType

FHIR_JSON = "application/fhir+json"
ACCEPTED_BODY_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")
MAX_RESOURCE_BYTES = 64 * 1024 * 1024  # a Provide bundle carries its documents inline


class FhirResponse(Response):
    """``application/fhir+json`` serialised with orjson."""

    media_type = "application/fhir+json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class InvalidResource(InvalidInput):
    code = "invalid_resource"
    message_fr = "Ressource FHIR invalide : {detail}"
    message_en = "Invalid FHIR resource: {detail}"


async def read_resource(request: Request, *, expected: str | tuple[str, ...]) -> dict[str, Any]:
    """Reads a JSON resource body, accepting the media types real clients send (fhirpy
    sends application/json), and checks its resourceType."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_BODY_TYPES:
        raise UnsupportedMediaType(detail=f"{media_type or 'absent'} ; attendu {FHIR_JSON}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESOURCE_BYTES:
        raise TooLarge(size=int(declared), limit=MAX_RESOURCE_BYTES)
    body = await request.body()
    if len(body) > MAX_RESOURCE_BYTES:
        raise TooLarge(size=len(body), limit=MAX_RESOURCE_BYTES)
    try:
        resource = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidResource(detail=f"JSON illisible ({exc.msg})") from None
    if not isinstance(resource, dict):
        raise InvalidResource(detail="un objet JSON est attendu")
    kinds = (expected,) if isinstance(expected, str) else expected
    if resource.get("resourceType") not in kinds:
        raise InvalidResource(
            detail=f"resourceType {resource.get('resourceType')!r}, attendu {' ou '.join(kinds)}"
        )
    return resource


def validate_with_models(resource: dict[str, Any]) -> None:
    """Structural validation at the edge with fhir.resources (R4B models: the R4 elements
    this API uses are identical in R4B)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except (ValidationError, KeyError, ValueError) as exc:
        first = str(exc).splitlines()
        raise InvalidResource(detail="; ".join(first[:3])[:500]) from None


def searchset(
    request: Request,
    entries: list[dict[str, Any]],
    *,
    total: int | None = None,
    next_url: str | None = None,
    outcome: dict[str, Any] | None = None,
) -> dict[str, Any]:
    # The base URL looked up once, not per entry (app.state's attribute lookups showed
    # up in the profile of every search).
    base = request.app.state.runtime.settings.public_base_url
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": str(request.url)}],
        "entry": [
            {
                "fullUrl": f"{base}/fhir/{e['resourceType']}/{e.get('id', '')}",
                "resource": e,
                "search": {"mode": "match"},
            }
            for e in entries
        ],
    }
    if total is not None:
        bundle["total"] = total
    if next_url:
        bundle["link"].append({"relation": "next", "url": next_url})
    if outcome is not None:
        bundle["entry"].append({"resource": outcome, "search": {"mode": "outcome"}})
    return bundle


def information_outcome(messages: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "warning", "code": "not-supported", "diagnostics": message}
            for message in messages
        ],
    }


def ignored_parameters_outcome(
    unknown: list[str], extra: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The searchset's OperationOutcome entry: ignored parameters and any other notes."""
    issues = [
        {
            "severity": "warning",
            "code": "not-supported",
            "details": {"text": f"Paramètre de recherche inconnu, ignoré : {name}"},
            "diagnostics": f"Unknown search parameter ignored: {name}",
        }
        for name in unknown
    ] + list(extra or [])
    return {"resourceType": "OperationOutcome", "issue": issues} if issues else None


def refusal_response(refusals: list[DmpError]) -> FhirResponse:
    """Several refusals at once (a bundle's entries): one OperationOutcome listing them
    all, with the status of the first (they are listed in entry order)."""
    from dmp.fhir.errors import issue_of

    issues = [issue_of(error, _path_of(error)) for error in refusals]
    return FhirResponse(
        {"resourceType": "OperationOutcome", "issue": issues}, status_code=refusals[0].status
    )


def _path_of(error: DmpError) -> str | None:
    path = error.fields.get("path")
    return str(path) if path else None


def prefers_strict(request: Request) -> bool:
    return "handling=strict" in request.headers.get("prefer", "").replace(" ", "")


def page_url(request: Request, **changes: str) -> str:
    """This request's URL with some query parameters replaced (``next`` links)."""
    base = request.app.state.runtime.settings.public_base_url
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += list(changes.items())
    from urllib.parse import urlencode

    return f"{base}{request.url.path}?{urlencode(params)}"


class UnknownParameters(DmpError):
    code = "unknown_search_parameter"
    status = 400
    fhir_code = "not-supported"
    message_fr = "Paramètres de recherche non pris en charge : {names}"
    message_en = "Unsupported search parameters: {names}"


FHIR_CONTROL_PARAMETERS = frozenset(
    {
        "_count",
        "_sort",
        "_format",
        "_pretty",
        "_summary",
        "_total",
        "_totalMethod",
        "_offset",
        "_elements",
        "_cursor",
    }
)


def unknown_parameters(request: Request, known: frozenset[str]) -> list[str]:
    """Unknown parameters are ignored and reported (the FHIR default), or refused when the
    client asked for ``Prefer: handling=strict``."""
    unknown = sorted(
        name
        for name in request.query_params
        if name not in known and name not in FHIR_CONTROL_PARAMETERS
    )
    if unknown and prefers_strict(request):
        raise UnknownParameters(names=", ".join(unknown))
    return unknown
