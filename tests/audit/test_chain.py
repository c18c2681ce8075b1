"""The trace chain: every action traced; any edit, deletion or reordering is detected."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from dmp.audit.models import Trace
from dmp.audit.service import verify_chains
from dmp.dossiers.administration import read_administrative_data, update_contact
from dmp.dossiers.schemas import Contact
from tests.builders.actors import patient
from tests.builders.dossiers import a_dossier


async def _dossier_with_traces(session, rt, count: int = 4):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    for _ in range(count - 1):
        await read_administrative_data(session, rt=rt, actor=holder, dossier_id=created.dossier_id)
    return created.dossier_id


async def test_an_intact_chain_verifies(session, rt):
    dossier_id = await _dossier_with_traces(session, rt)
    traces = (await session.execute(select(Trace).where(Trace.dossier_id == dossier_id))).scalars()
    assert [t.seq for t in traces] == [1, 2, 3, 4]
    assert await verify_chains(session, dossier_id=dossier_id) == []


async def test_an_edited_trace_is_reported_with_its_sequence_number(session, rt):
    dossier_id = await _dossier_with_traces(session, rt)
    await session.execute(
        update(Trace)
        .where(Trace.dossier_id == dossier_id, Trace.seq == 3)
        .values(actor_id="someone-else")
    )
    faults = await verify_chains(session, dossier_id=dossier_id)
    assert [(f.dossier_id, f.seq, f.problem) for f in faults] == [(dossier_id, 3, "edited")]


async def test_a_deleted_trace_in_the_middle_is_reported(session, rt):
    dossier_id = await _dossier_with_traces(session, rt)
    await session.execute(delete(Trace).where(Trace.dossier_id == dossier_id, Trace.seq == 2))
    faults = await verify_chains(session, dossier_id=dossier_id)
    assert [(f.seq, f.problem) for f in faults] == [(2, "gap")]


async def test_a_deleted_last_trace_is_reported(session, rt):
    dossier_id = await _dossier_with_traces(session, rt)
    await session.execute(delete(Trace).where(Trace.dossier_id == dossier_id, Trace.seq == 4))
    faults = await verify_chains(session, dossier_id=dossier_id)
    assert [(f.seq, f.problem) for f in faults] == [(4, "gap")]


async def test_reordered_traces_are_reported(session, rt):
    dossier_id = await _dossier_with_traces(session, rt)
    rows = {
        t.seq: t
        for t in (
            await session.execute(select(Trace).where(Trace.dossier_id == dossier_id))
        ).scalars()
    }
    # Swap the contents of traces 2 and 3 while keeping their sequence numbers.
    second, third = rows[2], rows[3]
    await session.execute(
        update(Trace)
        .where(Trace.dossier_id == dossier_id, Trace.seq == 2)
        .values(prev_hash=third.prev_hash, hash=third.hash, action=third.action)
    )
    faults = await verify_chains(session, dossier_id=dossier_id)
    assert faults and faults[0].seq == 2 and faults[0].problem in {"reordered", "edited"}
    assert second.seq == 2


async def test_faults_of_one_dossier_do_not_hide_another_dossiers(session, rt):
    first = await _dossier_with_traces(session, rt)
    second = await _dossier_with_traces(session, rt)
    await session.execute(
        update(Trace).where(Trace.dossier_id == second, Trace.seq == 1).values(action="forged")
    )
    faults = await verify_chains(session)
    assert {(f.dossier_id, f.seq) for f in faults} == {(second, 1)}
    assert first != second


async def test_every_change_is_traced_with_actor_and_outcome(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    await update_contact(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, contact=Contact()
    )
    last = (
        (
            await session.execute(
                select(Trace)
                .where(Trace.dossier_id == created.dossier_id)
                .order_by(Trace.seq.desc())
            )
        )
        .scalars()
        .first()
    )
    assert (last.action, last.actor_kind, last.outcome, last.mode, last.target) == (
        "dossier:admin:update",
        "patient",
        "allowed",
        "normal",
        "contact",
    )
    assert last.actor_name == "Titulaire"
