"""The SQL of a document search: the access rule (``repository.visible_clause``) and the
user's filters, as one statement per *shape* of search, run with the search's values.

What makes two searches' SQL differ is kept in the statement: which filters are present,
the code sets (reference codes, a handful per search), the sort, the page size, and the
access rule's shape (``repository.filter_shape``). What only changes the values is bound
at execution: the dates, the searched words, a document's logical id, a page's offset,
and whose own documents the author bypass lets through. Before, each of those values made
a statement of its own, built and compiled by SQLAlchemy (about as much CPU again as the
search): a professional's software asking for the documents deposited since the instant
of its last look (``date=ge…``, to the second) paid it on every search, and every
professional paid it for their first searches, and again once the cache had dropped
their statements (docs/benchmarks.md). Now such searches share one statement, compiled
once per dialect (``db.direct``).

``search_values`` gives the values for the names ``search_clauses`` binds; both read the
same table (``_DATE_BOUNDS``) and the same word lists, so they cannot disagree, and the
driver refuses a statement run with other names than it binds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dmp.db.direct import DirectStatement, Fetched
from dmp.db.engine import is_postgresql
from dmp.documents.models import Document, DocumentRecord, Selection
from dmp.documents.records import PATIENT_AUTHORED_CATEGORY, fold, types_in_category
from dmp.documents.repository import (
    DOCUMENT_COLUMNS,
    FLAG_COLUMNS,
    filter_shape,
    visible_clause,
    visible_values,
)
from dmp.documents.schemas import AuthorKind, DocumentSearch, SortKey
from dmp.policy import DocumentFilter

_PATIENT = AuthorKind.PATIENT.value

# (the query's field, its condition on the value bound under the field's name)
_DATE_BOUNDS: tuple[tuple[str, Callable[[Any], ColumnElement[bool]]], ...] = (
    ("created_from", lambda value: Document.creation_time >= value),
    ("created_to", lambda value: Document.creation_time <= value),
    # A document matches when its service period overlaps [service_from, service_to].
    (
        "service_from",
        lambda value: func.coalesce(Document.service_end, Document.service_start) >= value,
    ),
    ("service_to", lambda value: Document.service_start <= value),
    ("submitted_from", lambda value: Document.submitted_at >= value),
    ("submitted_to", lambda value: Document.submitted_at <= value),
)
# (the query's field, the folded column its words are looked for in, their names' prefix)
_WORDS: tuple[tuple[str, InstrumentedAttribute[str], str], ...] = (
    ("author_name", Document.search_author, "author_word"),
    ("title_words", Document.search_title, "title_word"),
)
_LIKE_ESCAPE = "/"

# The stand-ins of a shape (``shape_of``): any value would do, these say they are none.
_SOME_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
_SOME_ID = uuid.UUID(int=0)


def _words(text: str | None) -> list[str]:
    return text.split() if text else []


def _like_anywhere(word: str) -> str:
    """The LIKE pattern of ``word`` (folded) anywhere in the text, its own ``%``, ``_``
    and escape characters taken literally."""
    escaped = fold(word)
    for special in (_LIKE_ESCAPE, "%", "_"):
        escaped = escaped.replace(special, _LIKE_ESCAPE + special)
    return f"%{escaped}%"


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


def _selection_exists() -> ColumnElement[bool]:
    return exists().where(
        Selection.dossier_id == Document.dossier_id, Selection.document_id == Document.id
    )


def search_clauses(query: DocumentSearch) -> list[ColumnElement[bool]]:
    """The user's filters; each one narrows the result. Dates, words and the logical id
    are bound by name (``search_values``)."""
    clauses: list[ColumnElement[bool]] = [
        Document.status.in_(sorted(status.value for status in query.statuses))
    ]
    if query.class_codes:
        clauses.append(Document.class_code.in_(sorted(query.class_codes)))
    if query.type_codes:
        clauses.append(Document.type_code.in_(sorted(query.type_codes)))
    if query.categories:
        clauses.append(category_clause(query.categories))
    for field, condition in _DATE_BOUNDS:
        if getattr(query, field) is not None:
            clauses.append(condition(bindparam(field)))
    for field, column, prefix in _WORDS:
        for index, _ in enumerate(_words(getattr(query, field))):
            clauses.append(column.like(bindparam(f"{prefix}_{index}"), escape=_LIKE_ESCAPE))
    if query.author_kinds:
        clauses.append(Document.author_kind.in_(sorted(k.value for k in query.author_kinds)))
    if query.practice_settings:
        clauses.append(Document.practice_setting.in_(sorted(query.practice_settings)))
    for code in sorted(query.security_labels):
        clauses.append(FLAG_COLUMNS[code].is_(True))
    if query.only_selected:
        clauses.append(_selection_exists())
    if query.logical_id is not None:
        clauses.append(Document.logical_id == bindparam("logical_id"))
    return clauses


def search_values(query: DocumentSearch) -> dict[str, Any]:
    """The values of the names ``search_clauses(query)`` binds."""
    values: dict[str, Any] = {}
    for field, _ in _DATE_BOUNDS:
        value = getattr(query, field)
        if value is not None:
            values[field] = value
    for field, _, prefix in _WORDS:
        for index, word in enumerate(_words(getattr(query, field))):
            values[f"{prefix}_{index}"] = _like_anywhere(word)
    if query.logical_id is not None:
        values["logical_id"] = query.logical_id
    return values


def shape_of(query: DocumentSearch) -> DocumentSearch:
    """``query`` with every value bound at execution replaced by a stand-in (and no
    cursor: the keyset position is bound too): two searches of one shape share a
    statement."""
    update: dict[str, Any] = {
        field: _SOME_INSTANT for field, _ in _DATE_BOUNDS if getattr(query, field) is not None
    }
    for field, _, _prefix in _WORDS:
        words = _words(getattr(query, field))
        if words:
            update[field] = " ".join(["w"] * len(words))
    if query.logical_id is not None:
        update["logical_id"] = _SOME_ID
    update["offset"] = min(query.offset, 1)
    update["cursor"] = None
    return query.model_copy(update=update)


def sort_column(sort: SortKey) -> InstrumentedAttribute[datetime]:
    return Document.submitted_at if sort is SortKey.SUBMITTED_AT else Document.creation_time


_AFTER_AT: BindParameter[datetime] = bindparam("after_at")
_AFTER_ID: BindParameter[uuid.UUID] = bindparam("after_id")
_OFFSET: BindParameter[int] = bindparam("offset", type_=Integer)


@lru_cache(maxsize=1024)
def search_statement(
    access: DocumentFilter,
    shape: DocumentSearch,
    *,
    array: bool,
    with_selected: bool,
    keyset: bool,
) -> DirectStatement:
    """One page's statement for searches of ``shape`` (``shape_of``) under the access
    rule ``access`` (``repository.filter_shape``), memoised like ``visible_clause``: the
    same few pairs come back on search after search. Bound at execution: the dossier,
    ``visible_values``, ``search_values``, the keyset position (``keyset``) or the offset
    (a shape's offset is 1 when there is one)."""
    column = sort_column(shape.sort)
    selected = _selection_exists() if with_selected else false()
    statement = select(*DOCUMENT_COLUMNS, selected.label("selected")).where(
        Document.dossier_id == bindparam("dossier_id"),
        visible_clause(access, array=array),
        *search_clauses(shape),
    )
    if keyset:
        statement = statement.where(
            or_(column < _AFTER_AT, and_(column == _AFTER_AT, Document.id < _AFTER_ID))
        )
    elif shape.offset:
        statement = statement.offset(_OFFSET)
    return DirectStatement(
        statement.order_by(column.desc(), Document.id.desc()).limit(shape.limit + 1)
    )


def documents(fetched: Fetched) -> list[tuple[DocumentRecord, bool]]:
    """The rows of what ``search`` read: (document, selected)."""
    return [(cast(DocumentRecord, row), bool(row.selected)) for row in fetched.rows()]


async def search(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    document_filter: DocumentFilter,
    query: DocumentSearch,
    after: tuple[datetime, uuid.UUID] | None,
    with_selected: bool,
) -> Fetched:
    """One page (``query.limit`` + 1 rows, so the caller knows whether more follow),
    newest first; ``after`` is the keyset position of the previous page's last row. The
    records are read; ``documents`` makes the rows, which needs no database."""
    keyset = after is not None
    statement = search_statement(
        filter_shape(document_filter),
        shape_of(query),
        array=is_postgresql(session),
        with_selected=with_selected,
        keyset=keyset,
    )
    parameters = {
        "dossier_id": dossier_id,
        **visible_values(document_filter),
        **search_values(query),
    }
    if after is not None:
        parameters["after_at"], parameters["after_id"] = after
    elif query.offset:
        parameters["offset"] = query.offset
    return await statement.fetch(session, parameters)


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
            visible_clause(filter_shape(document_filter), array=is_postgresql(session)),
            *search_clauses(query),
        )
    )
    values = {**visible_values(document_filter), **search_values(query)}
    return int(await session.scalar(statement, values) or 0)
