"""The patient side's organisation of their documents: "Mes sélections", "Documents
archivés", "Documents récents", "Tous les documents courants" and the nine patient
categories with their counts. Lists are searches (same access rule in SQL, one trace);
counts are one GROUP BY under that same rule.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.documents import repository
from dmp.documents.errors import DocumentNotCurrent
from dmp.documents.records import category_of, facts_of, to_out
from dmp.documents.schemas import CategoryCount, DocumentOut, DocumentPage, DocumentSearch, SortKey
from dmp.documents.search import authorize_listing, search_documents
from dmp.dossiers.service import get_dossier
from dmp.policy import Action, Actor, DocumentStatus
from dmp.reference import patient_categories
from dmp.runtime import Runtime

_CURRENT = frozenset({DocumentStatus.APPROVED})
_SELECTABLE = frozenset({DocumentStatus.APPROVED, DocumentStatus.ARCHIVED})


async def select_document(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    selected: bool = True,
    doctor_present: bool = False,
) -> DocumentOut:
    """Adds the document to "Mes sélections" (or removes it, ``selected=False``)."""
    dossier = await get_dossier(session, dossier_id)
    document = await repository.get_document(session, dossier_id, document_id)
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_SELECT,
        dossier=dossier,
        document=facts_of(document, actor),
        target=str(document.id),
        doctor_present=doctor_present,
    )
    if selected and DocumentStatus(document.status) not in _SELECTABLE:
        raise DocumentNotCurrent(status=document.status)
    await repository.set_selected(session, dossier_id, document.id, on=selected, at=rt.clock.now())
    return to_out(document, obligations=decision.obligations, selected=selected)


async def current_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    limit: int = 50,
    cursor: str | None = None,
    doctor_present: bool = False,
) -> DocumentPage:
    """ "Tous les documents courants": approved documents, newest first."""
    query = DocumentSearch(statuses=_CURRENT, limit=limit, cursor=cursor)
    return await search_documents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        query=query,
        doctor_present=doctor_present,
    )


async def archived_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    limit: int = 50,
    cursor: str | None = None,
    doctor_present: bool = False,
) -> DocumentPage:
    """ "Documents archivés": out of the current list, still there."""
    query = DocumentSearch(
        statuses=frozenset({DocumentStatus.ARCHIVED}), limit=limit, cursor=cursor
    )
    return await search_documents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        query=query,
        doctor_present=doctor_present,
    )


async def selected_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    limit: int = 50,
    cursor: str | None = None,
    doctor_present: bool = False,
) -> DocumentPage:
    """ "Mes sélections", archived selections included."""
    query = DocumentSearch(statuses=_SELECTABLE, only_selected=True, limit=limit, cursor=cursor)
    return await search_documents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        query=query,
        doctor_present=doctor_present,
    )


async def recent_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    days: int = 30,
    limit: int = 10,
    doctor_present: bool = False,
) -> DocumentPage:
    """ "Documents récents": current documents deposited in the last ``days`` days, the
    latest deposit first (deposit date, not the document's own date: a report of last
    year uploaded today is news to the patient)."""
    query = DocumentSearch(
        statuses=_CURRENT,
        submitted_from=rt.clock.now() - timedelta(days=days),
        sort=SortKey.SUBMITTED_AT,
        limit=limit,
    )
    return await search_documents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        query=query,
        doctor_present=doctor_present,
    )


async def category_counts(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    doctor_present: bool = False,
) -> list[CategoryCount]:
    """The nine patient categories in the patient app's order, each with the number of
    current documents the actor may see in it (zero included). One trace."""
    dossier = await get_dossier(session, dossier_id)
    listing, _ = await authorize_listing(
        session, rt=rt, actor=actor, dossier=dossier, doctor_present=doctor_present
    )
    groups = await repository.counts_by_type(
        session, dossier_id=dossier_id, document_filter=listing, statuses=_CURRENT
    )
    counts = dict.fromkeys(patient_categories(), 0)
    for type_code, author_kind, count in groups:
        category = category_of(type_code, author_kind)
        counts[category] = counts.get(category, 0) + count
    return [CategoryCount(category=name, count=count) for name, count in counts.items()]
