"""Searching a dossier's documents: one access decision for the search as a whole (one
trace), then one SQL query that carries the access rule (``policy.document_filter``)
and the user's filters. Sorted newest first; keyset pagination (``next_cursor``) or an
offset for page numbers.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import context_for, enforce
from dmp.access.facts import load_dossier_facts, load_dossier_with_facts
from dmp.db.direct import Fetched
from dmp.documents import search_statement
from dmp.documents.errors import InvalidCursor, SelectionsArePersonal
from dmp.documents.models import DocumentRecord
from dmp.documents.records import HOLDER_SIDE, status_of, to_out, visibility_of
from dmp.documents.schemas import DocumentPage, DocumentSearch, SortKey
from dmp.dossiers.models import DossierRecord
from dmp.errors import AccessDenied, InvalidInput
from dmp.policy import (
    Action,
    Actor,
    Decision,
    DocumentFacts,
    DocumentFilter,
    DossierFacts,
    Obligation,
    document_filter,
    obligations_for,
)
from dmp.reference import patient_categories
from dmp.runtime import Runtime


def encode_cursor(sort: SortKey, at: datetime, document_id: uuid.UUID) -> str:
    raw = f"{sort.value}|{at.isoformat()}|{document_id.hex}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: SortKey) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        sort_name, at, document_id = raw.split("|")
        position = datetime.fromisoformat(at), uuid.UUID(hex=document_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    if sort_name != sort.value or position[0].tzinfo is None:
        raise InvalidCursor()
    return position


def _check_query(query: DocumentSearch, actor: Actor) -> tuple[datetime, uuid.UUID] | None:
    """Refusals that need no database, made before the search is traced."""
    unknown = query.categories - set(patient_categories())
    if unknown:
        valid = ", ".join(patient_categories())
        raise InvalidInput(detail=f"catégorie inconnue {sorted(unknown)} ; catégories : {valid}")
    if query.only_selected and actor.kind not in HOLDER_SIDE:
        raise SelectionsArePersonal()
    return decode_cursor(query.cursor, query.sort) if query.cursor else None


async def authorize_listing(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier: DossierRecord,
    doctor_present: bool = False,
    target: str | None = None,
    facts: DossierFacts | None = None,
) -> tuple[DocumentFilter, Decision]:
    """Decides and traces the search as a whole, and returns the rule as a filter."""
    facts = facts or await load_dossier_facts(
        session, dossier=dossier, actor=actor, today=rt.clock.now().date()
    )
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_LIST,
        dossier=dossier,
        facts=facts,
        target=target,
        doctor_present=doctor_present,
    )
    listing = document_filter(actor, facts, context_for(rt, doctor_present=doctor_present))
    if isinstance(listing, Decision):  # pragma: no cover - enforce refused it already
        raise AccessDenied(reason=listing.reason.value, action=Action.DOCUMENT_LIST.value)
    return listing, decision


def row_obligations(listing: DocumentFilter, document: DocumentRecord) -> frozenset[Obligation]:
    facts = DocumentFacts(
        type_code=document.type_code,
        class_code=document.class_code,
        status=status_of(document),
        visibility=visibility_of(document),
        author_id=document.author_id,
    )
    return obligations_for(listing, facts)


async def _authorized(
    session: AsyncSession,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    doctor_present: bool,
) -> tuple[DocumentFilter, Decision]:
    """The search decided and traced, with the dossier and the actor's facts loaded in
    one statement (``load_dossier_with_facts``)."""
    dossier, facts = await load_dossier_with_facts(
        session, dossier_id=dossier_id, actor=actor, today=rt.clock.now().date()
    )
    return await authorize_listing(
        session, rt=rt, actor=actor, dossier=dossier, doctor_present=doctor_present, facts=facts
    )


@dataclass(frozen=True, slots=True)
class FoundDocuments:
    """What a search read and traced in its transaction. ``page()`` makes the page from it
    and needs no database: a caller that commits first (the FHIR search) makes it outside
    the transaction, i.e. on SQLite outside the write lock."""

    query: DocumentSearch
    listing: DocumentFilter
    decision: Decision
    fetched: Fetched
    total: int | None = None  # over all pages, when it was asked for

    def page(self) -> DocumentPage:
        rows = search_statement.documents(self.fetched)
        query = self.query
        page, more = rows[: query.limit], len(rows) > query.limit
        next_cursor = None
        if more and page:
            last = page[-1][0]
            column = last.submitted_at if query.sort is SortKey.SUBMITTED_AT else last.creation_time
            next_cursor = encode_cursor(query.sort, column, last.id)
        items = [
            to_out(document, obligations=row_obligations(self.listing, document), selected=selected)
            for document, selected in page
        ]
        return DocumentPage(
            items=items, next_cursor=next_cursor, obligations=self.decision.obligations
        )


async def search_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    query: DocumentSearch,
    doctor_present: bool = False,
) -> DocumentPage:
    """The documents of ``dossier_id`` that ``actor`` may see and that match ``query``."""
    found = await find_documents(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        query=query,
        doctor_present=doctor_present,
    )
    return found.page()


async def find_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    query: DocumentSearch,
    doctor_present: bool = False,
    with_total: bool = False,
) -> FoundDocuments:
    """``search_documents``'s reads and trace; its page is ``page()`` of the result.
    ``with_total``: also how many documents match over all pages (``total``), read
    under the same decision: one search, one trace."""
    after = _check_query(query, actor)
    listing, decision = await _authorized(session, rt, actor, dossier_id, doctor_present)
    fetched = await search_statement.search(
        session,
        dossier_id=dossier_id,
        document_filter=listing,
        query=query,
        after=after,
        with_selected=actor.kind in HOLDER_SIDE,
    )
    total = None
    if with_total:
        total = await search_statement.count(
            session, dossier_id=dossier_id, document_filter=listing, query=query
        )
    return FoundDocuments(
        query=query, listing=listing, decision=decision, fetched=fetched, total=total
    )


async def count_documents(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    query: DocumentSearch,
    doctor_present: bool = False,
) -> int:
    """How many documents ``search_documents`` would list for ``query`` over all its pages:
    the same decision (traced as a search) and the same rule in SQL, as one COUNT."""
    _check_query(query, actor)
    listing, _ = await _authorized(session, rt, actor, dossier_id, doctor_present)
    return await search_statement.count(
        session, dossier_id=dossier_id, document_filter=listing, query=query
    )
