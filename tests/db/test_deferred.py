"""Deferred writes (``db.direct.defer_write``): on PostgreSQL a search carries its own
trace in its statement; a deferred write nobody carries is still made before anything
else runs on the driver and before the unit of work commits, never lost to a commit, and
dropped with a rolled-back transaction. SQLite (no data-modifying CTEs) never defers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import SQLAlchemyError

from dmp.audit.models import TraceHead
from dmp.audit.service import verify_chains
from dmp.db import direct
from dmp.db.direct import DeferredWrite, DirectStatement, can_defer, defer_write, run_deferred
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.documents.reading import read_document
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.errors import TraceUnavailable
from dmp.policy import Action
from tests.builders.actors import professional
from tests.builders.documents import a_document, grant, traces_of
from tests.builders.dossiers import a_dossier

GP = professional()

_INSERT_HEAD = DirectStatement(
    TraceHead.__table__.insert().values(
        dossier_id=bindparam("d"), seq=bindparam("s"), hash=bindparam("h")
    )
)
_READ_HEAD = DirectStatement(select(TraceHead.seq).where(TraceHead.dossier_id == bindparam("d")))


class WriteFailed(Exception):
    pass


def _head_write(dossier_id: uuid.UUID, seq: int = 1) -> DeferredWrite:
    return DeferredWrite(
        "test", _INSERT_HEAD, {"d": dossier_id, "s": seq, "h": "x"}, lambda e: WriteFailed()
    )


def _postgresql(session) -> bool:
    return session.bind.dialect.name == "postgresql"


async def _deferrable(session) -> bool:
    """PostgreSQL defers (in a transaction begun); SQLite must not (the tests below then
    only check that)."""
    assert not can_defer(session)  # nothing begun yet
    await _READ_HEAD.scalar(session, {"d": uuid.uuid4()})
    assert can_defer(session) is _postgresql(session)
    return can_defer(session)


@pytest.fixture
async def filed(session, rt):
    dossier_id = (await a_dossier(session, rt)).dossier_id
    await grant(session, rt, dossier_id, GP.id)
    for _ in range(3):
        await a_document(session, rt, dossier_id)
    return dossier_id


@pytest.fixture
def statements_run(monkeypatch):
    """The SQL of every statement run on the driver, in order."""
    seen: list[str] = []
    original = DirectStatement.all

    async def recorded(self, session, parameters):
        seen.append(self._compiled(session.bind.dialect).sql)
        return await original(self, session, parameters)

    monkeypatch.setattr(DirectStatement, "all", recorded)
    return seen


async def test_a_search_carries_its_own_trace_on_postgresql(session, rt, filed, statements_run):
    before = len(await traces_of(session, filed))
    page = await search_documents(
        session, rt=rt, actor=GP, dossier_id=filed, query=DocumentSearch()
    )
    assert len(page.items) == 3
    traces = await traces_of(session, filed)
    assert len(traces) == before + 1
    assert traces[-1].action == Action.DOCUMENT_LIST.value and traces[-1].actor_id == GP.id
    assert await verify_chains(session, dossier_id=filed) == []
    appends = [sql for sql in statements_run if "INSERT INTO trace " in sql]
    if _postgresql(session):
        # One statement: the search, with the trace's INSERT and the head's UPDATE as CTEs.
        assert len(appends) == 1
        assert appends[0].startswith("WITH new_trace AS")
        assert "FROM document" in appends[0]
    else:
        assert len(appends) == 1
        assert not appends[0].startswith("WITH")  # SQLite: the append on its own
    assert direct._DEFERRED not in session.info


async def test_a_second_trace_in_the_same_transaction_chains_after_a_carried_one(
    session, rt, filed
):
    page = await search_documents(
        session, rt=rt, actor=GP, dossier_id=filed, query=DocumentSearch()
    )
    await read_document(session, rt=rt, actor=GP, dossier_id=filed, document_id=page.items[0].id)
    await search_documents(session, rt=rt, actor=GP, dossier_id=filed, query=DocumentSearch())
    traces = await traces_of(session, filed)
    listed, read = Action.DOCUMENT_LIST.value, Action.DOCUMENT_READ.value
    assert [t.action for t in traces[-3:]] == [listed, read, listed]
    assert await verify_chains(session, dossier_id=filed) == []


async def test_a_carried_trace_that_cannot_be_written_fails_the_search(session, rt, filed):
    await session.execute(  # outside any savepoint: the carried path, on PostgreSQL
        text(
            "CREATE FUNCTION refuse_trace() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'trace storage unavailable'; END $$"
        )
        if _postgresql(session)
        else text("SELECT 1")
    )
    await session.execute(
        text(
            "CREATE TRIGGER refuse_trace BEFORE INSERT ON trace "
            + (
                "FOR EACH ROW EXECUTE FUNCTION refuse_trace()"
                if _postgresql(session)
                else "BEGIN SELECT RAISE(ABORT, 'trace storage unavailable'); END"
            )
        )
    )
    assert can_defer(session) is _postgresql(session)
    with pytest.raises(TraceUnavailable) as raised:
        await search_documents(session, rt=rt, actor=GP, dossier_id=filed, query=DocumentSearch())
    assert isinstance(raised.value.__cause__, SQLAlchemyError)
    assert "trace storage unavailable" in str(raised.value.__cause__)


async def test_sqlite_never_defers_and_postgresql_only_outside_savepoints(session):
    await _deferrable(session)
    nested = await session.begin_nested()
    assert can_defer(session) is False
    with pytest.raises(RuntimeError):
        defer_write(session, _head_write(uuid.uuid4()))
    await nested.rollback()


async def test_a_deferred_write_nobody_carries_is_made_before_the_next_statement(session):
    if not await _deferrable(session):
        return
    first, second = uuid.uuid4(), uuid.uuid4()
    defer_write(session, _head_write(first))
    assert not can_defer(session)  # one at a time
    with pytest.raises(RuntimeError):
        defer_write(session, _head_write(second))
    # Another statement on the driver: the write goes first, so the read sees it.
    assert await _READ_HEAD.scalar(session, {"d": first}) == 1
    assert direct._DEFERRED not in session.info


async def test_a_deferred_write_is_taken_only_by_its_own_kind(session):
    if not await _deferrable(session):
        return
    target = uuid.uuid4()
    defer_write(session, _head_write(target))
    assert direct.take_deferred(session, "another kind") is None
    taken = direct.take_deferred(session, "test")
    assert taken == {"d": target, "s": 1, "h": "x"}
    assert direct.take_deferred(session, "test") is None  # the carrier owns it now
    assert await _READ_HEAD.scalar(session, {"d": target}) is None


async def test_a_failing_deferred_write_fails_as_its_owner_said(session):
    if not await _deferrable(session):
        return
    taken = uuid.uuid4()
    await _INSERT_HEAD.run(session, {"d": taken, "s": 1, "h": "x"})
    defer_write(session, _head_write(taken))  # the same key again: a unique violation
    with pytest.raises(WriteFailed):
        await run_deferred(session)


async def test_a_commit_never_leaves_a_deferred_write_behind(session):
    if not await _deferrable(session):
        return
    defer_write(session, _head_write(uuid.uuid4()))
    with pytest.raises(RuntimeError, match="deferred write"):
        await session.commit()


async def test_a_rolled_back_transaction_drops_its_deferred_write(session):
    if not await _deferrable(session):
        return
    target = uuid.uuid4()
    defer_write(session, _head_write(target))
    await session.rollback()
    await run_deferred(session)  # nothing left to make: it went with its transaction
    assert await _READ_HEAD.scalar(session, {"d": target}) is None


async def test_the_unit_of_work_makes_a_waiting_write_before_it_commits(database_url):
    own = create_engine(database_url)
    target = uuid.uuid4()
    try:
        factory = create_session_factory(own)
        async with unit_of_work(factory) as session:
            if not await _deferrable(session):
                return
            defer_write(session, _head_write(target))
        async with factory() as session:
            assert await _READ_HEAD.scalar(session, {"d": target}) == 1
    finally:
        async with create_session_factory(own)() as session:
            heads = TraceHead.__table__
            await session.execute(heads.delete().where(heads.c.dossier_id == target))
            await session.commit()
        await own.dispose()
