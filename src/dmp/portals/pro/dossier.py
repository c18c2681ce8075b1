"""A patient's DMP as a professional sees it: who the patient is, the Volet de Synthèse
Médicale first, the categories with their counts, and the documents of the last two
years of care (vaccinations whatever their age), older ones on request.

Every list is a search that the access rule filters in SQL (matrix, masks, emergency
mode), one trace each; nothing here decides what may be seen."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from dmp.access.schemas import ProfessionalAccess
from dmp.access.standing import own_standing
from dmp.documents.organisation import category_counts
from dmp.documents.records import fold
from dmp.documents.schemas import DocumentOut, DocumentSearch
from dmp.documents.search import search_documents
from dmp.dossiers.administration import read_administrative_data
from dmp.policy import AuthorizationState
from dmp.portals.pro.common import Dossier, OnDossier, page, pro_router
from dmp.portals.staff.portal import Db, Rt
from dmp.reference import document_types, patient_categories

router = pro_router()

# LOINC "Synthèse médicale": the Volet de Synthèse Médicale the GP keeps up to date.
VSM_TYPE = "60591-5"
FIRST_VIEW = timedelta(days=2 * 365 + 1)  # DESIGN.md §4.12: the last two years of care
PAGE_SIZE = 50
NOTICES = {
    "consentement": "Consentement déclaré : vous êtes autorisé(e) à consulter ce DMP.",
    "ajout": "Le document a été ajouté au DMP.",
    "suppression": "Le document a été supprimé du DMP.",
}


@cache
def vaccination_types() -> frozenset[str]:
    """Vaccination documents are shown whatever their age (§4.12); which types they are
    comes from the reference list, not from code."""
    return frozenset(t.code for t in document_types().values() if "vaccin" in fold(t.display))


def standing_label(standing: ProfessionalAccess | None, emergency: bool) -> str:
    if emergency:
        return "Accès en urgence (bris de glace)"
    if standing is None:
        return ""
    if standing.role is not None:
        return (
            "Médecin traitant DMP"
            if standing.role.value == "treating_physician"
            else "Administrateur du DMP"
        )
    if standing.state is AuthorizationState.AUTHORIZED:
        return "Professionnel autorisé"
    return ""


async def _listing(
    session: Db, rt: Rt, on: OnDossier, *, category: str | None, older: bool, cursor: str | None
) -> tuple[DocumentOut | None, list[DocumentOut], str | None]:
    """The VSM to show first, the documents of the window, and the next page's cursor."""
    categories = frozenset({category}) if category else frozenset()
    window_start = None if older else rt.clock.now() - FIRST_VIEW
    listed = await search_documents(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id,
        query=DocumentSearch(
            categories=categories, created_from=window_start, limit=PAGE_SIZE, cursor=cursor
        ),
    )  # fmt: skip
    items = list(listed.items)
    exempt = await search_documents(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id,
        query=DocumentSearch(type_codes=vaccination_types() | {VSM_TYPE}, limit=50),
    )  # fmt: skip
    vsm = next((d for d in exempt.items if d.type_code == VSM_TYPE), None)
    if window_start is not None and cursor is None:
        shown = {d.id for d in items}
        items += [
            d
            for d in exempt.items
            if d.type_code != VSM_TYPE
            and d.id not in shown
            and (category is None or d.patient_category == category)
        ]
        items.sort(key=lambda d: d.creation_time, reverse=True)
    return vsm, items, listed.next_cursor


def _no_access(request: Request, on: OnDossier, standing: ProfessionalAccess | None) -> Response:
    blocked = standing is not None and standing.state is AuthorizationState.BLOCKED
    context = {"blocked": blocked}
    return page(request, "pro/no_access.html", context, title="Accès au DMP", status=403, on=on)


@router.get("/pro/dmp/{dossier_id}")
async def dossier(request: Request, on: Dossier, session: Db, rt: Rt) -> Response:
    standing = await own_standing(session, actor=on.view.actor, dossier_id=on.dossier_id)
    if on.emergency is None and not (standing and standing.can_read):
        return _no_access(request, on, standing)
    query = request.query_params
    category = query.get("categorie") or None
    if category not in patient_categories():
        category = None
    older = query.get("anciens") == "1"
    administrative = await read_administrative_data(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id
    )
    counts = await category_counts(session, rt=rt, actor=on.actor, dossier_id=on.dossier_id)
    vsm, documents, next_cursor = await _listing(
        session, rt, on, category=category, older=older, cursor=query.get("apres") or None
    )
    context: dict[str, Any] = {
        "identity": administrative.identity,
        "is_minor": administrative.is_minor,
        "standing": standing,
        "standing_label": standing_label(standing, on.emergency is not None),
        "manager": standing is not None and standing.role is not None,
        "counts": counts,
        "category": category,
        "older": older,
        "vsm": vsm,
        "documents": documents,
        "next_cursor": next_cursor,
        "window_start": None if older else rt.clock.now() - FIRST_VIEW,
        "notice": NOTICES.get(query.get("fait", ""))
        or NOTICES.get("consentement" if query.get("consentement") else ""),
    }
    return page(request, "pro/dossier.html", context, title="DMP du patient", on=on)
