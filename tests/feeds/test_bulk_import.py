"""The bulk path of ``dmp import reimbursements`` on a database of its own, its units of
work really committed: chunks pipelined (the next parsed and sealed while the previous is
inserted), re-import adds nothing, refusals are reported by line, one traced decision per
dossier and run in intact chains, and a chunk that fails leaves nothing half imported."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dmp.audit.models import Trace
from dmp.audit.service import verify_chains
from dmp.db.engine import create_session_factory
from dmp.db.uow import unit_of_work
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.feeds import ingest, reimbursements
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.cipher import DossierCipher
from dmp.feeds.ingest import import_care_lines
from dmp.feeds.models import ReimbursementLine
from dmp.feeds.reimbursements import PURPOSE
from dmp.feeds.sections import read_csv
from tests.builders.actors import counter_agent
from tests.builders.dossiers import a_dossier, adult_request
from tests.builders.feeds import as_csv, consultation, pharmacy
from tests.builders.nirs import make_nir

TODAY = date(2026, 3, 2)  # the ``clock`` fixture's day


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 5, 10, then 20 lines: a small file crosses several units of work."""
    monkeypatch.setattr(ingest, "FIRST", 5)
    monkeypatch.setattr(ingest, "CHUNK", 20)


async def insured(engine: AsyncEngine, rt, count: int) -> list[str]:
    nirs = [make_nir("2", 60 + n) for n in range(count)]
    for nir in nirs:
        async with unit_of_work(create_session_factory(engine)) as session:
            await a_dossier(session, rt, request=adult_request(nir=nir))
    return nirs


def interleaved(nirs: list[str], per_person: int) -> list[dict]:
    """Lines of every person in turn (the unfavourable order), all distinct."""
    return [
        pharmacy(nirs[n % len(nirs)], TODAY - timedelta(days=n), label=f"PRODUIT {n}")
        for n in range(per_person * len(nirs))
    ]


async def run(engine: AsyncEngine, rt, text: str):
    report, _rendered = await import_care_lines(
        create_session_factory(engine),
        rt=rt,
        actor=ASSURANCE_MALADIE,
        rows=read_csv(text, today=TODAY),
        render=False,
    )
    return report


async def stored_lines(engine: AsyncEngine) -> Counter:
    async with create_session_factory(engine)() as session:
        rows = await session.execute(select(ReimbursementLine.dossier_id))
        return Counter(dossier_id for (dossier_id,) in rows)


async def test_chunks_store_every_line_once_and_reimport_adds_nothing(own_engine, rt, small_chunks):
    nirs = await insured(own_engine, rt, 4)
    text = as_csv(interleaved(nirs, 17))  # 68 lines: chunks of 5, 10, 20, 20, 13

    first = await run(own_engine, rt, text)
    assert (first.received, first.stored, first.already_present, first.refused) == (68, 68, 0, 0)
    assert len(first.dossiers) == 4
    assert sorted((await stored_lines(own_engine)).values()) == [17, 17, 17, 17]

    again = await run(own_engine, rt, text.replace(",", ";"))  # written differently
    assert (again.received, again.stored, again.already_present) == (68, 0, 68)
    assert again.dossiers == set()
    assert sum((await stored_lines(own_engine)).values()) == 68


async def test_lines_stay_sealed_and_open_with_the_dossier_key(own_engine, rt, small_chunks):
    (nir,) = await insured(own_engine, rt, 1)
    await run(own_engine, rt, as_csv([pharmacy(nir, TODAY, label="ANTALGIQUE SECRET")]))
    async with create_session_factory(own_engine)() as session:
        line = (await session.execute(select(ReimbursementLine))).scalar_one()
        dossier = (await reimbursements.dossiers_by_nir(session, rt=rt, nirs=[nir]))[nir]
    assert b"ANTALGIQUE" not in line.fields_ct
    opened = DossierCipher.of(rt, dossier).open(PURPOSE, line.line_hash, line.fields_ct)
    assert opened["libelle"] == "ANTALGIQUE SECRET"


async def test_one_traced_decision_per_dossier_and_run_in_intact_chains(
    own_engine, rt, small_chunks
):
    nirs = await insured(own_engine, rt, 3)
    text = as_csv(interleaved(nirs, 12))
    await run(own_engine, rt, text)
    await run(own_engine, rt, text)
    async with create_session_factory(own_engine)() as session:
        traces = await session.execute(
            select(Trace.dossier_id, func.count())
            .where(Trace.actor_id == ASSURANCE_MALADIE.id, Trace.target == "reimbursement-lines")
            .group_by(Trace.dossier_id)
        )
        assert sorted(count for _, count in traces) == [2, 2, 2]  # one per run
        assert await verify_chains(session) == []


async def test_refused_lines_are_reported_by_number_and_the_others_stored(
    own_engine, rt, small_chunks
):
    nirs = await insured(own_engine, rt, 2)
    nobody = make_nir("1", 71)
    lines = interleaved(nirs, 6)  # file lines 2 to 13
    lines += [
        {**pharmacy(nirs[0], TODAY), "nir": "185057512345699"},  # 14: bad key
        {"nir": nirs[1], "section": "chirurgie", "date_acte": "2026-01-01", "libelle": "x"},
        pharmacy(nobody, TODAY),  # 16
        {**consultation(nirs[0], TODAY), "dci": "paracétamol"},  # 17: another section's
    ]
    report = await run(own_engine, rt, as_csv(lines))
    assert (report.received, report.stored, report.refused) == (16, 12, 4)
    reasons = dict(report.reasons)
    assert reasons[14].startswith("NIR invalide")
    assert reasons[15].startswith("section inconnue")
    assert reasons[16] == "aucun DMP pour ce NIR"
    assert reasons[17] == "colonnes étrangères à la section soins : dci"
    assert sum((await stored_lines(own_engine)).values()) == 12


async def test_a_closed_dossier_refuses_its_lines_and_the_denial_is_traced(
    own_engine, rt, small_chunks
):
    open_nir, closed_nir = await insured(own_engine, rt, 2)
    factory = create_session_factory(own_engine)
    async with unit_of_work(factory) as session:
        closed = (await reimbursements.dossiers_by_nir(session, rt=rt, nirs=[closed_nir]))[
            closed_nir
        ]
        await close_dossier(
            session,
            rt=rt,
            actor=counter_agent(),
            dossier_id=closed.id,
            reason=ClosureReason.PATIENT_REQUEST,
        )
    report = await run(own_engine, rt, as_csv(interleaved([open_nir, closed_nir], 10)))
    assert (report.received, report.stored, report.refused) == (20, 10, 10)
    assert {number % 2 for number, _ in report.reasons} == {1}  # the closed one's lines
    async with factory() as session:
        outcomes = await session.execute(
            select(Trace.outcome).where(
                Trace.dossier_id == closed.id, Trace.actor_id == ASSURANCE_MALADIE.id
            )
        )
        # Decided again in each chunk (a dossier not active is never taken as known).
        assert set(outcomes.scalars()) == {"denied"}
        assert await verify_chains(session) == []


async def test_a_chunk_that_fails_leaves_nothing_half_imported(
    own_engine, rt, small_chunks, monkeypatch
):
    nirs = await insured(own_engine, rt, 3)
    text = as_csv(interleaved(nirs, 10))  # 30 lines: chunks of 5, 10, 15
    real = reimbursements.insert_counted
    calls = 0

    async def fails_on_the_third_chunk(session, *args, **kwargs):
        nonlocal calls
        calls += 1
        counts = await real(session, *args, **kwargs)  # its rows are written…
        if calls == 3:
            raise RuntimeError("the database went away")  # …and never committed
        return counts

    monkeypatch.setattr(reimbursements, "insert_counted", fails_on_the_third_chunk)
    with pytest.raises(RuntimeError, match="went away"):
        await run(own_engine, rt, text)
    assert sum((await stored_lines(own_engine)).values()) == 15  # the first two chunks
    async with create_session_factory(own_engine)() as session:
        assert await verify_chains(session) == []

    monkeypatch.setattr(reimbursements, "insert_counted", real)
    again = await run(own_engine, rt, text)  # the same file once more completes the import
    assert (again.stored, again.already_present) == (15, 15)
    assert sum((await stored_lines(own_engine)).values()) == 30
