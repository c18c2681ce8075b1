"""Statements run on the driver (``db.direct``) give exactly what the session gives, fail
as SQLAlchemy fails, stay inside the session's transaction, and a read whose trace cannot
be written still fails."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, delete, func, literal, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.sql import column as column_named
from sqlalchemy.sql import table as table_named

from dmp.access.facts import load_dossier_with_facts
from dmp.audit.models import TraceHead
from dmp.db.direct import DirectStatement, flush_pending
from dmp.db.engine import create_engine, create_session_factory
from dmp.documents.errors import DocumentNotFound
from dmp.documents.loading import load_dossier_and_document
from dmp.documents.models import Document
from dmp.documents.reading import read_document_content
from dmp.documents.repository import filter_shape, visible_values
from dmp.documents.schemas import DocumentSearch, SortKey
from dmp.documents.search import search_documents
from dmp.documents.search_statement import search_statement, search_values, shape_of
from dmp.dossiers.errors import DossierNotFound
from dmp.dossiers.models import Dossier
from dmp.errors import TraceUnavailable
from dmp.policy import DocumentStatus, Visibility
from dmp.policy.listing import DocumentFilter
from tests.builders.actors import patient, professional
from tests.builders.documents import a_document, grant, traces_of
from tests.builders.dossiers import a_dossier, minor_request

GP = professional()


@pytest.fixture
async def filed(session, rt):
    """A dossier with documents of several kinds and dates, the GP authorized."""
    dossier_id = (await a_dossier(session, rt)).dossier_id
    await grant(session, rt, dossier_id, GP.id)
    for index, (type_code, masked) in enumerate(
        [("11488-4", False), ("11369-6", True), ("60591-5", False), ("11488-4", False)]
    ):
        await a_document(
            session,
            rt,
            dossier_id,
            type_code=type_code,
            title=f"Document {index} été",
            creation_time=datetime(2025, 1 + index, 10, 9, 30, tzinfo=UTC),
            visibility=frozenset({Visibility.MASQUE_PS}) if masked else frozenset(),
        )
    return dossier_id


def _searches() -> list[tuple[DocumentFilter, DocumentSearch]]:
    deleted = frozenset({DocumentStatus.DELETED})
    everything = DocumentFilter(
        readable_type_codes=None,
        exclude_visibility=frozenset(),
        exclude_statuses=deleted,
        author_bypass_actor_id=None,
        obligations=frozenset(),
        mark_hidden_from_representatives=False,
    )
    narrow = DocumentFilter(
        readable_type_codes=frozenset({"11488-4", "11369-6"}),
        exclude_visibility=frozenset({Visibility.MASQUE_PS}),
        exclude_statuses=deleted,
        author_bypass_actor_id="810000000000",
        obligations=frozenset(),
        mark_hidden_from_representatives=False,
    )
    return [
        (everything, DocumentSearch(limit=2)),
        (narrow, DocumentSearch()),
        (
            everything,
            DocumentSearch(
                statuses=frozenset({DocumentStatus.APPROVED, DocumentStatus.ARCHIVED}),
                type_codes=frozenset({"11488-4", "11369-6"}),
                created_from=datetime(2025, 2, 1, tzinfo=UTC),
                title_words="ete document",
                sort=SortKey.SUBMITTED_AT,
            ),
        ),
    ]


@pytest.mark.parametrize("case", range(len(_searches())))
async def test_a_search_gives_the_rows_the_session_gives(session, filed, case):
    document_filter, query = _searches()[case]
    array = session.bind.dialect.name == "postgresql"
    direct = search_statement(
        filter_shape(document_filter),
        shape_of(query),
        array=array,
        with_selected=True,
        keyset=False,
    )
    values = {"dossier_id": filed, **visible_values(document_filter), **search_values(query)}
    through_session = (await session.execute(direct.statement, values)).all()
    on_driver = await direct.all(session, values)
    assert on_driver == [tuple(row) for row in through_session]
    assert len(on_driver) >= 1
    first, expected = on_driver[0], through_session[0]
    # Same Python types and values, read by attribute like SQLAlchemy's rows.
    for column in Document.__table__.c:
        value = getattr(first, column.key)
        assert value == getattr(expected, column.key)
        assert type(value) is type(getattr(expected, column.key)), column.key
    assert first.creation_time.tzinfo is not None
    assert isinstance(first.id, uuid.UUID)


@pytest.mark.parametrize("who", ["professional", "patient"])
async def test_the_dossier_row_reads_as_the_orm_dossier(session, rt, who):
    created = await a_dossier(session, rt, request=minor_request())
    await grant(session, rt, created.dossier_id, GP.id)
    orm = await session.get(Dossier, created.dossier_id)
    assert orm is not None
    orm.notification_preferences = {"document_added": False}
    await session.flush()
    actor = GP if who == "professional" else patient(created.dossier_id)
    row, facts = await load_dossier_with_facts(
        session, dossier_id=created.dossier_id, actor=actor, today=rt.clock.now().date()
    )
    for column in Dossier.__table__.c:
        value, expected = getattr(row, column.key), getattr(orm, column.key)
        assert value == expected, column.key
        assert type(value) is type(expected), column.key
    assert row.notification_preferences == {"document_added": False}
    assert row.majority_on is not None and row.is_minor is True
    assert facts.is_minor
    assert (facts.actor_authorization is not None) is (who == "professional")


def facts_day(rt):
    return rt.clock.now().date()


async def test_a_read_loads_its_document_with_the_dossier_as_the_session_would(session, rt, filed):
    """``load_dossier_and_document``: the dossier's facts and the document's row in one
    statement, the row exactly the session's (values and types), and the two refusals
    in their order: no dossier, then no document of this dossier."""
    orm = (
        (await session.execute(select(Document).where(Document.dossier_id == filed)))
        .scalars()
        .first()
    )
    assert orm is not None
    dossier, facts, document = await load_dossier_and_document(
        session, dossier_id=filed, document_id=orm.id, actor=GP, today=facts_day(rt)
    )
    assert dossier.id == filed and facts.actor_authorization is not None
    for column in Document.__table__.c:
        value, expected = getattr(document, column.key), getattr(orm, column.key)
        assert value == expected, column.key
        assert type(value) is type(expected), column.key
    other = (await a_dossier(session, rt)).dossier_id
    with pytest.raises(DocumentNotFound):  # the document exists, but not in this dossier
        await load_dossier_and_document(
            session, dossier_id=other, document_id=orm.id, actor=GP, today=facts_day(rt)
        )
    with pytest.raises(DossierNotFound):
        await load_dossier_and_document(
            session, dossier_id=uuid.uuid4(), document_id=orm.id, actor=GP, today=facts_day(rt)
        )


async def test_a_statement_takes_exactly_the_values_it_was_built_without(session, filed):
    statement = DirectStatement(
        select(func.count()).select_from(Document).where(Document.dossier_id == bindparam("d"))
    )
    assert await statement.scalar(session, {"d": filed}) == 4
    with pytest.raises(TypeError):
        await statement.scalar(session, {})
    with pytest.raises(TypeError):
        await statement.scalar(session, {"d": filed, "other": 1})
    expanding = DirectStatement(select(Document.id).where(Document.type_code.in_(bindparam("t"))))
    with pytest.raises(TypeError):
        await expanding.all(session, {"t": ["11488-4"]})


async def test_writes_belong_to_the_sessions_transaction(session, filed):
    insert_head = DirectStatement(
        TraceHead.__table__.insert().values(
            dossier_id=bindparam("d"), seq=bindparam("s"), hash=bindparam("h")
        )
    )
    other = uuid.uuid4()
    nested = await session.begin_nested()
    await insert_head.run(session, {"d": other, "s": 1, "h": "x"})
    seen = await session.scalar(select(TraceHead.seq).where(TraceHead.dossier_id == other))
    assert seen == 1  # the session sees it: same connection, same transaction
    await nested.rollback()
    assert await session.scalar(select(TraceHead.seq).where(TraceHead.dossier_id == other)) is None


async def test_pending_orm_changes_are_flushed_first_and_only_when_there_are_some(
    session, filed, monkeypatch
):
    read_head = DirectStatement(select(TraceHead.seq).where(TraceHead.dossier_id == bindparam("d")))
    flushes = []
    original = session.flush

    async def counted_flush(*args, **kwargs):
        flushes.append(1)
        await original(*args, **kwargs)

    monkeypatch.setattr(session, "flush", counted_flush)
    await flush_pending(session)
    assert flushes == []  # nothing pending: no flush (and no greenlet hop)
    other = uuid.uuid4()
    session.add(TraceHead(dossier_id=other, seq=7, hash="x"))
    assert await read_head.scalar(session, {"d": other}) is None  # not flushed yet
    await flush_pending(session)
    assert flushes == [1]
    assert await read_head.scalar(session, {"d": other}) == 7


async def test_a_constraint_violation_is_sqlalchemys_integrity_error(session, filed):
    head = await session.scalar(select(TraceHead.dossier_id).where(TraceHead.dossier_id == filed))
    assert head == filed
    insert_head = DirectStatement(
        TraceHead.__table__.insert().values(
            dossier_id=bindparam("d"), seq=bindparam("s"), hash=bindparam("h")
        )
    )
    nested = await session.begin_nested()
    with pytest.raises(IntegrityError):
        await insert_head.run(session, {"d": filed, "s": 1, "h": "x"})
    await nested.rollback()
    # The session goes on after the savepoint's rollback.
    assert await session.scalar(select(func.count()).select_from(Document)) >= 4


async def test_a_lost_connection_is_invalidated_and_the_pool_recovers(database_url):
    """The driver's connection dies under a session (a server restart, a dropped socket):
    the statement fails as SQLAlchemy's disconnect error and the next session works."""
    own = create_engine(database_url)  # the shared engine's connections stay untouched
    ping = DirectStatement(select(literal(1)))
    try:
        factory = create_session_factory(own)
        async with factory() as session:
            assert await ping.scalar(session, {}) == 1
            connection = await session.connection()
            adapted = connection.sync_connection.connection.dbapi_connection
            if own.dialect.name == "postgresql":
                adapted._connection.terminate()  # the socket closed, as by a restart
            else:
                await adapted._connection.close()
            with pytest.raises(DBAPIError) as raised:
                await ping.scalar(session, {})
            assert raised.value.connection_invalidated
        async with factory() as session:
            assert await ping.scalar(session, {}) == 1
    finally:
        await own.dispose()


async def test_each_transaction_of_a_session_runs_its_own_statements(database_url, monkeypatch):
    """The connection is looked up once per transaction (a greenlet hop saved per
    statement), and never kept past a commit or a rollback: what follows them runs in
    the session's next transaction, which its own commit or rollback settles."""
    own = create_engine(database_url)
    insert_head = DirectStatement(
        TraceHead.__table__.insert().values(
            dossier_id=bindparam("d"), seq=bindparam("s"), hash=bindparam("h")
        )
    )
    read_head = DirectStatement(select(TraceHead.seq).where(TraceHead.dossier_id == bindparam("d")))
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    try:
        factory = create_session_factory(own)
        async with factory() as session:
            lookups = []
            original = session.connection

            async def counted_connection(*args, **kwargs):
                lookups.append(1)
                return await original(*args, **kwargs)

            monkeypatch.setattr(session, "connection", counted_connection)
            await insert_head.run(session, {"d": kept, "s": 1, "h": "x"})
            assert await read_head.scalar(session, {"d": kept}) == 1
            assert await read_head.scalar(session, {"d": dropped}) is None
            assert len(lookups) == 1  # three statements, one transaction
            await session.commit()
            await insert_head.run(session, {"d": dropped, "s": 1, "h": "x"})
            assert len(lookups) == 2  # the next transaction began for it
            assert await read_head.scalar(session, {"d": dropped}) == 1
            await session.rollback()
            assert await read_head.scalar(session, {"d": dropped}) is None
            assert await read_head.scalar(session, {"d": kept}) == 1
            assert len(lookups) == 3
        async with factory() as session:
            assert await read_head.scalar(session, {"d": kept}) == 1
            assert await read_head.scalar(session, {"d": dropped}) is None
            await session.execute(delete(TraceHead).where(TraceHead.dossier_id == kept))
            await session.commit()
    finally:
        await own.dispose()


async def _refuse_traces(session) -> None:
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text(
                "CREATE FUNCTION refuse_trace() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'trace storage unavailable'; END $$"
            )
        )
        await session.execute(
            text(
                "CREATE TRIGGER refuse_trace BEFORE INSERT ON trace "
                "FOR EACH ROW EXECUTE FUNCTION refuse_trace()"
            )
        )
    else:
        await session.execute(
            text(
                "CREATE TRIGGER refuse_trace BEFORE INSERT ON trace "
                "BEGIN SELECT RAISE(ABORT, 'trace storage unavailable'); END"
            )
        )


async def test_a_search_whose_trace_cannot_be_written_fails(session, rt, filed):
    before = len(await traces_of(session, filed))
    nested = await session.begin_nested()
    await _refuse_traces(session)  # DDL inside the savepoint: undone below
    with pytest.raises(TraceUnavailable) as raised:
        await search_documents(session, rt=rt, actor=GP, dossier_id=filed, query=DocumentSearch())
    assert isinstance(raised.value.__cause__, SQLAlchemyError)
    await nested.rollback()
    assert len(await traces_of(session, filed)) == before


async def test_a_retrieval_whose_trace_cannot_be_written_fails(session, rt, filed):
    page = await search_documents(
        session, rt=rt, actor=GP, dossier_id=filed, query=DocumentSearch()
    )
    nested = await session.begin_nested()
    await _refuse_traces(session)
    with pytest.raises(TraceUnavailable):
        await read_document_content(
            session, rt=rt, actor=GP, dossier_id=filed, document_id=page.items[0].id
        )
    await nested.rollback()


# -- read_alone: a SELECT outside any session's transaction ------------------------------------

_KEY_OF = DirectStatement(
    select(Dossier.id, Dossier.wrapped_key).where(Dossier.id == bindparam("dossier_id"))
)


async def test_a_read_alone_gives_the_committed_rows_the_session_gives(own_engine, rt):
    factory = create_session_factory(own_engine)
    async with factory() as session, session.begin():
        dossier_id = (await a_dossier(session, rt)).dossier_id
    [alone] = await _KEY_OF.read_alone(own_engine, {"dossier_id": dossier_id})
    async with factory() as session:
        [through] = (await session.execute(_KEY_OF.statement, {"dossier_id": dossier_id})).all()
    assert tuple(alone) == tuple(through)
    assert [type(value) for value in alone] == [type(value) for value in through]
    assert isinstance(alone.id, uuid.UUID)
    assert await _KEY_OF.read_alone(own_engine, {"dossier_id": uuid.uuid4()}) == []
    assert own_engine.sync_engine.pool.checkedout() == 0  # the connection went back


async def test_a_read_alone_neither_waits_for_a_writer_nor_sees_its_changes(own_engine, rt):
    """On SQLite it takes no turn of the write gate: it answers while a transaction of
    the same process holds it (waiting for it there would wait forever)."""
    factory = create_session_factory(own_engine)
    async with factory() as session, session.begin():
        dossier_id = (await a_dossier(session, rt)).dossier_id
    async with factory() as writer, writer.begin():
        await writer.execute(
            update(Dossier).where(Dossier.id == dossier_id).values(wrapped_key=b"changed")
        )
        [row] = await asyncio.wait_for(
            _KEY_OF.read_alone(own_engine, {"dossier_id": dossier_id}), timeout=2
        )
        assert row.wrapped_key not in (None, b"changed")


async def test_a_read_alone_that_fails_gives_its_connection_up(own_engine):
    missing = DirectStatement(select(table_named("no_such_table", column_named("id"))))
    with pytest.raises(Exception, match="no_such_table"):
        await missing.read_alone(own_engine, {})
    pool = own_engine.sync_engine.pool
    assert pool.checkedout() == 0
    ping = DirectStatement(select(literal(1).label("one")))
    assert [tuple(row) for row in await ping.read_alone(own_engine, {})] == [(1,)]
