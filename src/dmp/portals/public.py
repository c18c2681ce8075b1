"""The public entrance of the portals and the static files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dmp.portals.web import Page, render_page

router = APIRouter(include_in_schema=False)

# Entrances that exist register themselves here (patient, professional, counter portals).
ENTRANCES: list[dict[str, str]] = [
    {"url": "/connexion", "label": "Accéder à mon DMP"},
    {"url": "/creer-mon-dmp", "label": "Créer mon DMP en ligne"},
    {"url": "/pro", "label": "Espace professionnel de santé"},
    {"url": "/guichet", "label": "Guichet DMP (agents d'accueil et assistance)"},
]


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    page = Page("home.html", {"links": ENTRANCES}, title="Accueil")
    response = render_page(request, page)
    asked = request.query_params.get("lang")
    if asked:
        from dmp.portals.i18n import LANGUAGE_COOKIE, LANGUAGES

        if asked in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE, asked, max_age=31536000, samesite="strict", httponly=True
            )
    return response
