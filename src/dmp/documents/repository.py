"""Queries of the documents domain. Every query names its dossier first (the leading
column of every index), and list queries carry the access rule as a WHERE clause built
from ``policy.listing.DocumentFilter``: nothing is loaded to be filtered in Python.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dmp.db.direct import DirectStatement, insert_rows
from dmp.documents.errors import DocumentNotFound
from dmp.documents.models import Document, DocumentMetadataVersion, DocumentRecord, Selection
from dmp.documents.records import PATIENT_AUTHORED_CATEGORY, fold, snapshot, types_in_category
from dmp.documents.schemas import AuthorKind, DocumentSearch, SortKey
from dmp.policy import Actor, DocumentFilter, DocumentStatus, Visibility

FLAG_COLUMNS: dict[Visibility, InstrumentedAttribute[bool]] = {
    Visibility.MASQUE_PS: Document.masked_ps,
    Visibility.INVISIBLE_PATIENT: Document.invisible_patient,
    Visibility.INVISIBLE_REPRESENTANTS_LEGAUX: Document.invisible_legal_reps,
}
_PATIENT = AuthorKind.PATIENT.value


# -- single documents and chains -------------------------------------------------------------


# Built once, the ids bound at execution: a retrieval runs it on every request.
_DOCUMENT = select(Document).where(
    Document.dossier_id == bindparam("dossier_id"), Document.id == bindparam("document_id")
)
_DOCUMENT_FOR_UPDATE = _DOCUMENT.with_for_update()
# Every column of the table, loaded as a Core row (``DocumentRecord``) where nothing is
# changed: building ORM objects cost more than running the query. Reads and searches
# run on the driver (``db.direct``): they are the API's hottest statements.
DOCUMENT_COLUMNS = tuple(Document.__table__.c)


async def get_document(
    session: AsyncSession, dossier_id: uuid.UUID, document_id: uuid.UUID, *, lock: bool = False
) -> Document:
    query = _DOCUMENT_FOR_UPDATE if lock else _DOCUMENT
    parameters = {"dossier_id": dossier_id, "document_id": document_id}
    document = (await session.execute(query, parameters)).scalar_one_or_none()
    if document is None:
        raise DocumentNotFound()
    return document


async def versions_of(
    session: AsyncSession, dossier_id: uuid.UUID, logical_id: uuid.UUID, *, lock: bool = False
) -> list[Document]:
    """Every version of one document that is not deleted, oldest first."""
    query = (
        select(Document)
        .where(
            Document.dossier_id == dossier_id,
            Document.logical_id == logical_id,
            Document.status != DocumentStatus.DELETED.value,
        )
        .order_by(Document.version)
    )
    if lock:
        query = query.with_for_update()
    return list((await session.execute(query)).scalars())


async def unique_id_taken(session: AsyncSession, dossier_id: uuid.UUID, unique_id: str) -> bool:
    found = await session.scalar(
        select(Document.id).where(
            Document.dossier_id == dossier_id, Document.unique_id == unique_id
        )
    )
    return found is not None


# -- metadata history --------------------------------------------------------------------------


def _version_values(
    document: Document, *, change: str, actor: Actor, at: datetime
) -> dict[str, Any]:
    return {
        "dossier_id": document.dossier_id,
        "document_id": document.id,
        "metadata_version": document.metadata_version,
        "change": change,
        "changed_at": at,
        "changed_by_kind": actor.kind.value,
        "changed_by_id": actor.id[:64],
        "snapshot": snapshot(document),
    }


def record_version(
    session: AsyncSession, document: Document, *, change: str, actor: Actor, at: datetime
) -> None:
    """Keeps ``document``'s current metadata as its version ``metadata_version``."""
    session.add(
        DocumentMetadataVersion(**_version_values(document, change=change, actor=actor, at=at))
    )


_INSERT_DOCUMENT = insert_rows(cast(Table, Document.__table__))
_INSERT_VERSION = insert_rows(cast(Table, DocumentMetadataVersion.__table__))


async def insert_new_version(
    session: AsyncSession, document: Document, *, change: str, actor: Actor, at: datetime
) -> None:
    """Inserts a new document version (a ``Document`` built for it, never added to the
    session) and its first metadata version: two statements on the driver, where the
    session's flush of two new objects cost more than a deposit's trace and both
    inserts together. ``IntegrityError`` if its unique id or version is taken."""
    values = {column.key: getattr(document, column.key) for column in DOCUMENT_COLUMNS}
    await _INSERT_DOCUMENT.run(session, values)
    await _INSERT_VERSION.run(session, _version_values(document, change=change, actor=actor, at=at))


async def history(
    session: AsyncSession, dossier_id: uuid.UUID, document_id: uuid.UUID
) -> list[DocumentMetadataVersion]:
    query = (
        select(DocumentMetadataVersion)
        .where(
            DocumentMetadataVersion.dossier_id == dossier_id,
            DocumentMetadataVersion.document_id == document_id,
        )
        .order_by(DocumentMetadataVersion.metadata_version)
    )
    return list((await session.execute(query)).scalars())


# -- selections ----------------------------------------------------------------------------------


def _selected(dossier_id: uuid.UUID, document_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(Selection.dossier_id == dossier_id, Selection.document_id == document_id)


async def is_selected(session: AsyncSession, dossier_id: uuid.UUID, document_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Selection.document_id).where(_selected(dossier_id, document_id))
    )
    return found is not None


async def set_selected(
    session: AsyncSession, dossier_id: uuid.UUID, document_id: uuid.UUID, *, on: bool, at: datetime
) -> None:
    present = await is_selected(session, dossier_id, document_id)
    if on and not present:
        session.add(Selection(dossier_id=dossier_id, document_id=document_id, selected_at=at))
    elif not on and present:
        await session.execute(delete(Selection).where(_selected(dossier_id, document_id)))
    await session.flush()


async def drop_selections(
    session: AsyncSession, dossier_id: uuid.UUID, document_ids: list[uuid.UUID]
) -> None:
    await session.execute(
        delete(Selection).where(
            Selection.dossier_id == dossier_id, Selection.document_id.in_(document_ids)
        )
    )


# -- the access rule as SQL ------------------------------------------------------------------------


# Memoised (the filter is a frozen value, and SQL constructs are immutable): the same few
# filters come back on every search, and building the IN list of readable types anew
# each time cost as much as running the query.
@lru_cache(maxsize=1024)
def visible_clause(document_filter: DocumentFilter, *, array: bool = False) -> ColumnElement[bool]:
    """``DocumentFilter`` translated exactly as its docstring says:

    status NOT IN exclude_statuses AND (author_id = bypass OR (type_code IN readable AND
    the document carries none of exclude_visibility)).

    ``array`` (PostgreSQL): the readable types as ``type_code = ANY(:array)``, one
    parameter, rather than an IN list whose hundred-odd parameters were each processed
    and sent on every search."""
    general: list[ColumnElement[bool]] = []
    types = document_filter.readable_type_codes
    if types is not None and not types:
        # An empty set is "no type": false, not an empty IN whose rendering varies.
        general.append(false())
    elif types is not None and array:
        readable = bindparam(
            "readable_types", sorted(types), type_=postgresql.ARRAY(String), unique=True
        )
        general.append(Document.type_code == any_(readable))
    elif types is not None:
        general.append(Document.type_code.in_(sorted(types)))
    for code in sorted(document_filter.exclude_visibility):
        general.append(not_(FLAG_COLUMNS[code]))
    allowed = and_(true(), *general)
    if document_filter.author_bypass_actor_id is not None:
        allowed = or_(Document.author_id == document_filter.author_bypass_actor_id, allowed)
    excluded = sorted(status.value for status in document_filter.exclude_statuses)
    return and_(Document.status.not_in(excluded), allowed)


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def category_clause(categories: frozenset[str]) -> ColumnElement[bool]:
    """A document's category is "Expression libre" when the patient side authored it,
    otherwise its type's category in the reference table."""
    clauses: list[ColumnElement[bool]] = []
    for category in sorted(categories):
        if category == PATIENT_AUTHORED_CATEGORY:
            clauses.append(Document.author_kind == _PATIENT)
        types = types_in_category(category)
        if types:
            clauses.append(
                and_(Document.author_kind != _PATIENT, Document.type_code.in_(sorted(types)))
            )
    return or_(false(), *clauses)


def _contains(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    return column.contains(fold(text), autoescape=True)


def search_clauses(query: DocumentSearch) -> list[ColumnElement[bool]]:
    """The user's filters; each one narrows the result."""
    clauses: list[ColumnElement[bool]] = [
        Document.status.in_(sorted(status.value for status in query.statuses))
    ]
    if query.class_codes:
        clauses.append(Document.class_code.in_(sorted(query.class_codes)))
    if query.type_codes:
        clauses.append(Document.type_code.in_(sorted(query.type_codes)))
    if query.categories:
        clauses.append(category_clause(query.categories))
    if query.created_from is not None:
        clauses.append(Document.creation_time >= query.created_from)
    if query.created_to is not None:
        clauses.append(Document.creation_time <= query.created_to)
    if query.service_from is not None:
        end = func.coalesce(Document.service_end, Document.service_start)
        clauses.append(end >= query.service_from)
    if query.service_to is not None:
        clauses.append(Document.service_start <= query.service_to)
    if query.submitted_from is not None:
        clauses.append(Document.submitted_at >= query.submitted_from)
    if query.submitted_to is not None:
        clauses.append(Document.submitted_at <= query.submitted_to)
    if query.author_name:
        clauses.extend(_contains(Document.search_author, w) for w in query.author_name.split())
    if query.author_kinds:
        clauses.append(Document.author_kind.in_(sorted(k.value for k in query.author_kinds)))
    if query.practice_settings:
        clauses.append(Document.practice_setting.in_(sorted(query.practice_settings)))
    for code in sorted(query.security_labels):
        clauses.append(FLAG_COLUMNS[code].is_(True))
    if query.title_words:
        clauses.extend(_contains(Document.search_title, w) for w in query.title_words.split())
    if query.only_selected:
        clauses.append(_selection_exists())
    if query.logical_id is not None:
        clauses.append(Document.logical_id == query.logical_id)
    return clauses


def _selection_exists() -> ColumnElement[bool]:
    return exists().where(
        Selection.dossier_id == Document.dossier_id, Selection.document_id == Document.id
    )


def sort_column(sort: SortKey) -> InstrumentedAttribute[datetime]:
    return Document.submitted_at if sort is SortKey.SUBMITTED_AT else Document.creation_time


_AFTER_AT: BindParameter[datetime] = bindparam("after_at")
_AFTER_ID: BindParameter[uuid.UUID] = bindparam("after_id")


@lru_cache(maxsize=1024)
def _search_statement(
    document_filter: DocumentFilter,
    query: DocumentSearch,
    *,
    array: bool,
    with_selected: bool,
    keyset: bool,
) -> DirectStatement:
    """Memoised like ``visible_clause``: the dossier and the keyset position are bound at
    execution, and the same few (filter, query) pairs come back on search after search
    (a first visit's two-year window is the same for every patient seen that day), each
    compiled once per dialect by the ``DirectStatement``."""
    column = sort_column(query.sort)
    selected = _selection_exists() if with_selected else false()
    statement = select(*DOCUMENT_COLUMNS, selected.label("selected")).where(
        Document.dossier_id == bindparam("dossier_id"),
        visible_clause(document_filter, array=array),
        *search_clauses(query),
    )
    if keyset:
        statement = statement.where(
            or_(column < _AFTER_AT, and_(column == _AFTER_AT, Document.id < _AFTER_ID))
        )
    elif query.offset:
        statement = statement.offset(query.offset)
    return DirectStatement(
        statement.order_by(column.desc(), Document.id.desc()).limit(query.limit + 1)
    )


async def search(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    document_filter: DocumentFilter,
    query: DocumentSearch,
    after: tuple[datetime, uuid.UUID] | None,
    with_selected: bool,
) -> list[tuple[DocumentRecord, bool]]:
    """One page (``query.limit`` + 1 rows, so the caller knows whether more follow),
    newest first; ``after`` is the keyset position of the previous page's last row."""
    statement = _search_statement(
        document_filter,
        query if query.cursor is None else query.model_copy(update={"cursor": None}),
        array=_is_postgresql(session),
        with_selected=with_selected,
        keyset=after is not None,
    )
    parameters: dict[str, Any] = {"dossier_id": dossier_id}
    if after is not None:
        parameters["after_at"], parameters["after_id"] = after
    rows = await statement.all(session, parameters)
    return [(cast(DocumentRecord, row), bool(row.selected)) for row in rows]


async def count(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    document_filter: DocumentFilter,
    query: DocumentSearch,
) -> int:
    """How many rows ``search`` would page through (pagination fields ignored)."""
    statement = (
        select(func.count())
        .select_from(Document)
        .where(
            Document.dossier_id == dossier_id,
            visible_clause(document_filter, array=_is_postgresql(session)),
            *search_clauses(query),
        )
    )
    return int(await session.scalar(statement) or 0)


async def counts_by_type(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    document_filter: DocumentFilter,
    statuses: frozenset[DocumentStatus],
) -> list[tuple[str, str, int]]:
    """(type_code, author_kind, count) of the visible documents: at most a few hundred
    groups, which the caller folds into the patient categories."""
    statement = (
        select(Document.type_code, Document.author_kind, func.count())
        .where(
            Document.dossier_id == dossier_id,
            visible_clause(document_filter, array=_is_postgresql(session)),
            Document.status.in_(sorted(s.value for s in statuses)),
        )
        .group_by(Document.type_code, Document.author_kind)
    )
    return [(row[0], row[1], int(row[2])) for row in (await session.execute(statement)).all()]
