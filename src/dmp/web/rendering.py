"""Renders a ``DmpError`` for whoever asked: a FHIR OperationOutcome under ``/fhir``,
a French HTML page for browsers, JSON otherwise. Never a stack trace."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dmp.errors import DmpError
from dmp.web.json import JsonResponse

FHIR_JSON = "application/fhir+json"


def operation_outcome(error: DmpError) -> dict[str, object]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": error.fhir_code,
                "details": {
                    "coding": [{"system": "urn:opendmp:error", "code": error.code}],
                    "text": error.message("fr"),
                },
                "diagnostics": error.message("en"),
            }
        ],
    }


def render_error(request: Request, error: DmpError) -> Response:
    response = _render(request, error)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _render(request: Request, error: DmpError) -> Response:
    if request.url.path.startswith("/fhir"):
        return JsonResponse(operation_outcome(error), error.status, media_type=FHIR_JSON)
    if "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/api"):
        from dmp.portals.i18n import request_language
        from dmp.portals.web import Page, render_page

        message = error.message(request_language(request))
        return render_page(
            request, Page("error.html", {"message": message}, error.status, "Erreur")
        )
    return JsonResponse({"error": error.as_dict()}, error.status)
