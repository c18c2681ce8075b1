"""The route class of the patient portal: turns the login redirects and the policy's
refusals into pages a person understands, and remembers a language chosen by link.

A refusal caught here keeps what must be kept (the denial's trace, ``keep_changes``)
and rolls back anything else before the page is answered.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from dmp.audit.history import REASON_LABELS
from dmp.errors import AccessDenied, DmpError, NotFound
from dmp.policy import Reason
from dmp.portals.i18n import LANGUAGE_COOKIE, LANGUAGES, request_language
from dmp.portals.patient.context import Redirect, render, runtime_of
from dmp.portals.patient.formatting import Formatter
from dmp.portals.patient.security import set_private_cookie
from dmp.portals.web import Page

# Answered as "no such document": hidden from the reader, or deleted by its author.
_GONE = frozenset(
    {
        Reason.INVISIBLE_TO_PATIENT.value,
        Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES.value,
        Reason.DOCUMENT_NOT_CURRENT.value,
    }
)


async def _settle(request: Request, error: DmpError) -> None:
    session = getattr(request.state, "page_database", None)
    if session is not None and not error.keep_changes:
        await session.rollback()


def _refusal_page(request: Request, error: DmpError) -> HTMLResponse:
    lang = request_language(request)
    context = {"fmt": Formatter(lang), "done_message": None, "section": ""}
    reason = str(error.fields.get("reason", ""))
    if isinstance(error, NotFound) or reason in _GONE:
        # A document hidden from the reader is answered as one that does not exist: its
        # very existence is what the hiding protects.
        page = Page("patient/not_found.html", context, 404, "Document introuvable")
    elif reason == Reason.DOCTOR_PRESENCE_REQUIRED.value:
        page = Page("patient/restricted.html", context, 403, "Accès limité")
    elif reason == Reason.DOSSIER_CLOSED.value:
        page = Page("patient/closed_refused.html", context, 403, "DMP fermé")
    else:
        words = REASON_LABELS.get(reason, "opération non permise")
        page = Page("patient/denied.html", {**context, "words": words}, 403, "Accès refusé")
    return render(request, page)


class PatientRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except Redirect as redirect:
                response = RedirectResponse(redirect.url, status_code=303)
            except (AccessDenied, NotFound) as error:
                await _settle(request, error)
                response = _refusal_page(request, error)
            asked = request.query_params.get("lang")
            if asked in LANGUAGES:
                set_private_cookie(
                    response,
                    runtime_of(request),
                    LANGUAGE_COOKIE,
                    str(asked),
                    max_age=31536000,
                    path="/",
                )
            return response

        return route
