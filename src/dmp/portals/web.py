"""Rendering pages: one Jinja2 environment, autoescaped, with the request's language.

Handlers build a context and name a template; ``render_page`` is the only place that
turns them into HTML, so tests can assert on the context and the template name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request

from dmp.portals.i18n import LANGUAGES, request_language, translator

environment = Environment(
    loader=PackageLoader("dmp.portals", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Page:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    title: str = ""


def render_page(request: Request, page: Page) -> HTMLResponse:
    language = request_language(request)
    context = {
        "request": request,
        "lang": language,
        "languages": LANGUAGES,
        "_": translator(language),
        "page_title": page.title,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "current_user": getattr(request.state, "portal_user", None),
        **page.context,
    }
    html = environment.get_template(page.template).render(context)
    response = HTMLResponse(html, page.status)
    response.headers["Content-Language"] = language
    return response
