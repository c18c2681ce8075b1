"""Queries of the documents domain. Every query names its dossier first (the leading
column of every index), and list queries carry the access rule as a WHERE clause built
from ``policy.listing.DocumentFilter``: nothing is loaded to be filtered in Python.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
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

from dmp.db.direct import insert_rows
from dmp.db.engine import is_postgresql
from dmp.documents.errors import DocumentNotFound
from dmp.documents.models import Document, DocumentMetadataVersion, Selection
from dmp.documents.records import snapshot
from dmp.policy import Actor, DocumentFilter, DocumentStatus, Visibility

FLAG_COLUMNS: dict[Visibility, InstrumentedAttribute[bool]] = {
    Visibility.MASQUE_PS: Document.masked_ps,
    Visibility.INVISIBLE_PATIENT: Document.invisible_patient,
    Visibility.INVISIBLE_REPRESENTANTS_LEGAUX: Document.invisible_legal_reps,
}


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


# The name the author bypass's actor is bound under, and the stand-in of a shape's.
_AUTHOR_BYPASS = "author_bypass"
_SOME_AUTHOR = "?"


def filter_shape(document_filter: DocumentFilter) -> DocumentFilter:
    """``document_filter`` as its SQL sees it: whose documents the author bypass lets
    through is bound at execution (``visible_values``), and the obligations are not SQL.
    Every professional of one profession, in the same situation, then shares one
    statement; keyed by the filter itself, each professional made statements of their
    own, built and compiled again once the cache had let them go."""
    bypass = document_filter.author_bypass_actor_id
    return replace(
        document_filter,
        author_bypass_actor_id=None if bypass is None else _SOME_AUTHOR,
        obligations=frozenset(),
        mark_hidden_from_representatives=False,
    )


def visible_values(document_filter: DocumentFilter) -> dict[str, Any]:
    """The values of the names ``visible_clause`` binds for ``document_filter``."""
    bypass = document_filter.author_bypass_actor_id
    return {} if bypass is None else {_AUTHOR_BYPASS: bypass}


# Memoised (the shape is a frozen value, and SQL constructs are immutable): the same few
# shapes come back on every search, and building the IN list of readable types anew
# each time cost as much as running the query.
@lru_cache(maxsize=1024)
def visible_clause(shape: DocumentFilter, *, array: bool = False) -> ColumnElement[bool]:
    """A ``DocumentFilter`` (its ``filter_shape``) translated exactly as its docstring
    says, the author bypass's actor bound by name (``visible_values``):

    status NOT IN exclude_statuses AND (author_id = bypass OR (type_code IN readable AND
    the document carries none of exclude_visibility)).

    ``array`` (PostgreSQL): the readable types as ``type_code = ANY(:array)``, one
    parameter, rather than an IN list whose hundred-odd parameters were each processed
    and sent on every search."""
    general: list[ColumnElement[bool]] = []
    types = shape.readable_type_codes
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
    for code in sorted(shape.exclude_visibility):
        general.append(not_(FLAG_COLUMNS[code]))
    allowed = and_(true(), *general)
    if shape.author_bypass_actor_id is not None:
        allowed = or_(Document.author_id == bindparam(_AUTHOR_BYPASS), allowed)
    excluded = sorted(status.value for status in shape.exclude_statuses)
    return and_(Document.status.not_in(excluded), allowed)


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
            visible_clause(filter_shape(document_filter), array=is_postgresql(session)),
            Document.status.in_(sorted(s.value for s in statuses)),
        )
        .group_by(Document.type_code, Document.author_kind)
    )
    rows = (await session.execute(statement, visible_values(document_filter))).all()
    return [(row[0], row[1], int(row[2])) for row in rows]
