"""The home page (the nine categories with their counts, the four lists) and the document
lists with search by words in titles, dates and author."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from dmp.documents.errors import InvalidCursor
from dmp.documents.organisation import category_counts
from dmp.documents.schemas import DocumentPage, DocumentSearch, SortKey
from dmp.documents.search import search_documents
from dmp.policy import DocumentStatus
from dmp.portals.patient.context import PatientPage, with_query
from dmp.portals.patient.formatting import day_end, day_start
from dmp.portals.patient.forms import parse_day
from dmp.portals.patient.route import PatientRoute
from dmp.reference import patient_categories

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

PAGE_SIZE = 25
RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class View:
    key: str
    title: str
    intro: str
    statuses: frozenset[DocumentStatus]


_CURRENT = frozenset({DocumentStatus.APPROVED})
VIEWS = {
    "courants": View(
        "courants",
        "Tous les documents courants",
        "Tous vos documents en vigueur, du plus récent au plus ancien.",
        _CURRENT,
    ),
    "recents": View(
        "recents",
        "Documents récents",
        "Les documents ajoutés à votre DMP ces 30 derniers jours.",
        _CURRENT,
    ),
    "archives": View(
        "archives",
        "Documents archivés",
        "Les documents que vous avez rangés à part. Ils restent dans votre DMP.",
        frozenset({DocumentStatus.ARCHIVED}),
    ),
    "selections": View(
        "selections",
        "Mes sélections",
        "Les documents que vous avez mis de côté pour les retrouver facilement.",
        frozenset({DocumentStatus.APPROVED, DocumentStatus.ARCHIVED}),
    ),
}


@router.get("/mon-dmp", response_class=HTMLResponse)
async def home(patient: PatientPage) -> HTMLResponse:
    counts = await category_counts(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    return patient.page(
        "patient/home.html",
        "Mon DMP",
        section="accueil",
        counts=counts,
        total=sum(c.count for c in counts),
        views=list(VIEWS.values()),
    )


def _filters(patient: PatientPage) -> tuple[dict[str, str], dict[str, str], DocumentSearch]:
    """The query string as typed, its errors, and the search it makes."""
    query = patient.request.query_params
    typed = {
        name: query.get(name, "").strip()[:200]
        for name in ("vue", "categorie", "q", "du", "au", "auteur", "suite")
    }
    view = VIEWS.get(typed["vue"], VIEWS["courants"])
    typed["vue"] = view.key
    errors: dict[str, str] = {}
    start = end = None
    if typed["du"]:
        start = parse_day(typed["du"])
        if start is None:
            errors["du"] = "Date incorrecte : écrivez-la sous la forme 31/12/2025."
    if typed["au"]:
        end = parse_day(typed["au"])
        if end is None:
            errors["au"] = "Date incorrecte : écrivez-la sous la forme 31/12/2025."
    if start and end and end < start:
        errors["au"] = "La date de fin doit être après la date de début."
    if typed["categorie"] and typed["categorie"] not in patient_categories():
        typed["categorie"] = ""
    search = DocumentSearch(
        statuses=view.statuses,
        categories=frozenset({typed["categorie"]}) if typed["categorie"] else frozenset(),
        title_words=typed["q"] or None,
        author_name=typed["auteur"] or None,
        created_from=day_start(start) if start and not errors else None,
        created_to=day_end(end) if end and not errors else None,
        only_selected=view.key == "selections",
        submitted_from=(
            patient.rt.clock.now() - timedelta(days=RECENT_DAYS) if view.key == "recents" else None
        ),
        sort=SortKey.SUBMITTED_AT if view.key == "recents" else SortKey.CREATION_TIME,
        limit=PAGE_SIZE,
        cursor=typed["suite"] or None,
    )
    return typed, errors, search


@router.get("/mon-dmp/documents", response_class=HTMLResponse)
async def documents(patient: PatientPage) -> Response:
    typed, errors, search = _filters(patient)
    found: DocumentPage | None = None
    if not errors:
        try:
            found = await search_documents(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                query=search,
            )
        except InvalidCursor:  # a stale or edited "next page" link: start from the top
            typed["suite"] = ""
            found = await search_documents(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                query=search.model_copy(update={"cursor": None}),
            )
    view = VIEWS[typed["vue"]]
    title = typed["categorie"] or view.title
    filtered = any(typed[k] for k in ("q", "du", "au", "auteur"))
    next_url = None
    if found is not None and found.next_cursor:
        kept = {k: v for k, v in typed.items() if k != "suite"}
        next_url = with_query("/mon-dmp/documents", **kept, suite=found.next_cursor)
    return patient.page(
        "patient/documents.html",
        title,
        status=422 if errors else 200,
        section="documents",
        heading=title,
        view=view,
        views=list(VIEWS.values()),
        typed=typed,
        errors=errors,
        filtered=filtered,
        found=found,
        next_url=next_url,
        first_url=with_query(
            "/mon-dmp/documents", **{k: v for k, v in typed.items() if k != "suite"}
        )
        if typed["suite"]
        else None,
        categories=patient_categories(),
    )
