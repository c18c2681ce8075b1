"""The trace head read (on PostgreSQL, locked) by the query that loads the dossier: the
append that follows uses it instead of reading and locking the head again, and only then."""

from __future__ import annotations

import asyncio

from sqlalchemy import event

from dmp.access.enforce import enforce
from dmp.access.facts import load_dossier_with_facts
from dmp.audit.service import verify_chains
from dmp.db.engine import create_session_factory
from dmp.db.uow import unit_of_work
from dmp.policy import Action
from tests.builders.actors import professional
from tests.builders.documents import grant, traces_of
from tests.builders.dossiers import a_dossier

GP = professional()


def _head_locks(session) -> list[str]:
    """The append's own statements reading (on PostgreSQL, locking) the head."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith("SELECT trace_head.seq, trace_head.hash"):
            seen.append(statement)

    event.listen(session.bind.sync_engine, "before_cursor_execute", before)
    return seen


async def _read(session, rt, dossier_id):
    dossier, facts = await load_dossier_with_facts(
        session, dossier_id=dossier_id, actor=GP, today=rt.clock.now().date()
    )
    await enforce(
        session, rt=rt, actor=GP, action=Action.DOCUMENT_LIST, dossier=dossier, facts=facts
    )


async def test_reads_chain_their_traces_with_the_head_locked_at_load(session, rt):
    created = await a_dossier(session, rt)
    await grant(session, rt, created.dossier_id, GP.id)
    locks = _head_locks(session)
    for _ in range(3):
        await _read(session, rt, created.dossier_id)
    traces = await traces_of(session, created.dossier_id)
    assert [t.action for t in traces[-3:]] == [Action.DOCUMENT_LIST.value] * 3
    assert [t.seq for t in traces] == list(range(1, len(traces) + 1))
    assert await verify_chains(session, dossier_id=created.dossier_id) == []
    assert locks == []  # the load's statement read (and locked) the head each time


async def test_a_head_read_before_a_rolled_back_savepoint_is_read_again(session, rt):
    created = await a_dossier(session, rt)
    await grant(session, rt, created.dossier_id, GP.id)
    dossier, facts = await load_dossier_with_facts(
        session, dossier_id=created.dossier_id, actor=GP, today=rt.clock.now().date()
    )
    nested = await session.begin_nested()
    await _read(session, rt, created.dossier_id)  # appends, then is undone
    await nested.rollback()
    locks = _head_locks(session)
    # The head kept by the first load was replaced by the savepoint's; that one belongs
    # to a transaction now gone, so the append reads (and locks) the head itself.
    await enforce(
        session, rt=rt, actor=GP, action=Action.DOCUMENT_LIST, dossier=dossier, facts=facts
    )
    traces = await traces_of(session, created.dossier_id)
    assert [t.seq for t in traces] == list(range(1, len(traces) + 1))
    assert await verify_chains(session, dossier_id=created.dossier_id) == []
    assert len(locks) == 1


async def test_concurrent_reads_of_one_dossier_append_in_turn(own_engine, rt):
    factory = create_session_factory(own_engine)
    async with unit_of_work(factory) as session:
        created = await a_dossier(session, rt)
        await grant(session, rt, created.dossier_id, GP.id)

    async def read() -> None:
        async with unit_of_work(factory) as session:
            await _read(session, rt, created.dossier_id)
            await asyncio.sleep(0.02)  # hold the head while the others wait for it

    await asyncio.gather(*(read() for _ in range(4)))
    async with factory() as session:
        traces = await traces_of(session, created.dossier_id)
        assert [t.seq for t in traces] == list(range(1, len(traces) + 1))
        assert [t.action for t in traces].count(Action.DOCUMENT_LIST.value) == 4
        assert await verify_chains(session, dossier_id=created.dossier_id) == []
