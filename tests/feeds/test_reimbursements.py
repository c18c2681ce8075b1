"""The Assurance Maladie's care history: stored by line identity (re-importing changes
nothing), kept 24 months, rendered as the class-60 document and read as tables under the
same rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dmp.documents.models import Document
from dmp.errors import AccessDenied
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.ingest import import_care_lines
from dmp.feeds.models import ReimbursementLine
from dmp.feeds.reimbursements import drop_aged_lines, reimbursement_tables
from dmp.feeds.sections import read_csv
from tests.builders.access import in_unit_of_work
from tests.builders.actors import patient, professional
from tests.builders.dossiers import a_dossier, adult_request
from tests.builders.feeds import as_csv, consultation, pharmacy, savepoint_factory, stay
from tests.builders.nirs import make_nir

TODAY = date(2026, 3, 2)  # the ``clock`` fixture's day


@pytest.fixture
async def insured(session, rt):
    nir = make_nir("2", 85)
    created = await a_dossier(session, rt, request=adult_request(nir=nir))
    return nir, created.dossier_id


def history_lines(nir: str) -> list[dict]:
    return [
        pharmacy(nir, TODAY - timedelta(days=10)),
        pharmacy(nir, TODAY - timedelta(days=40), label="AMOXICILLINE 1 G", hospital_flag="H"),
        consultation(nir, TODAY - timedelta(days=60)),
        stay(nir, TODAY - timedelta(days=200)),
    ]


async def run_import(session, rt, text: str):
    rows = read_csv(text, today=TODAY)
    return await import_care_lines(
        savepoint_factory(session), rt=rt, actor=ASSURANCE_MALADIE, rows=rows
    )


async def history_documents(session, dossier_id) -> list[Document]:
    query = select(Document).where(Document.dossier_id == dossier_id, Document.class_code == "60")
    return list((await session.execute(query.order_by(Document.version))).scalars())


async def test_an_import_stores_the_lines_and_deposits_the_history_document(session, rt, insured):
    nir, dossier_id = insured
    report, rendered = await run_import(session, rt, as_csv(history_lines(nir)))
    assert (report.received, report.stored, report.refused) == (4, 4, 0)
    assert rendered == 1
    [document] = await history_documents(session, dossier_id)
    assert document.type_code == "REMB" and document.mime == "application/pdf"
    assert document.author_kind == "feed" and document.author_id == ASSURANCE_MALADIE.id
    assert document.title == "Données de remboursement"

    tables = await reimbursement_tables(
        session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id
    )
    by_section = {t.section: t for t in tables.tables}
    assert set(by_section) == {"pharmacie", "hospitalisation", "biologie", "soins", "radiologie"}
    pharmacie = by_section["pharmacie"]
    assert [c for c, _ in pharmacie.columns] == [
        "date_delivrance",
        "libelle",
        "dci",
        "quantite",
        "hospital_flag",
    ]
    # Newest first, hospital care marked "H".
    assert [row[1] for row in pharmacie.rows] == ["PARACETAMOL 1 G CPR", "AMOXICILLINE 1 G"]
    assert pharmacie.rows[1][4] == "H"
    assert by_section["biologie"].rows == []


async def test_reimporting_the_same_file_changes_nothing(session, rt, insured):
    nir, dossier_id = insured
    text = as_csv(history_lines(nir))
    await run_import(session, rt, text)
    before = await history_documents(session, dossier_id)
    report, rendered = await run_import(session, rt, text)
    assert (report.stored, report.already_present, rendered) == (0, 4, 0)
    # The same care written differently (semicolons, French dates, padded spaces) too.
    french = text.replace(",", ";")
    for line in history_lines(nir):
        for value in line.values():
            if len(value) == 10 and value[4] == "-":
                day = date.fromisoformat(value)
                french = french.replace(value, f" {day:%d/%m/%Y} ")
    report, rendered = await run_import(session, rt, french)
    assert (report.stored, report.already_present, rendered) == (0, 4, 0)
    assert [d.id for d in await history_documents(session, dossier_id)] == [d.id for d in before]
    count = await session.scalar(
        select(func.count())
        .select_from(ReimbursementLine)
        .where(ReimbursementLine.dossier_id == dossier_id)
    )
    assert count == 4


async def test_a_new_line_replaces_the_document_with_a_new_version(session, rt, insured):
    nir, dossier_id = insured
    await run_import(session, rt, as_csv(history_lines(nir)))
    report, rendered = await run_import(
        session, rt, as_csv([consultation(nir, TODAY - timedelta(days=1))])
    )
    assert (report.stored, rendered) == (1, 1)
    first, second = await history_documents(session, dossier_id)
    assert first.status == "deprecated" and second.status == "approved"
    assert second.replaces_id == first.id and second.version == 2


async def test_lines_older_than_24_months_are_not_kept(session, rt, insured):
    nir, _dossier_id = insured
    old = pharmacy(nir, date(2024, 3, 1))
    recent = pharmacy(nir, date(2024, 3, 2))
    report, _ = await run_import(session, rt, as_csv([old, recent]))
    assert (report.stored, report.too_old) == (1, 1)


async def test_refused_lines_say_why_and_do_not_stop_the_others(session, rt, insured):
    nir, _dossier_id = insured
    unknown = make_nir("1", 70)
    lines = [
        pharmacy(nir, TODAY),
        pharmacy(unknown, TODAY),
        {"nir": nir, "section": "chirurgie", "date_acte": "2026-01-01", "libelle": "x"},
        pharmacy(nir, TODAY + timedelta(days=3)),
        {**pharmacy(nir, TODAY), "hospital_flag": "peut-être"},
    ]
    report, _ = await run_import(session, rt, as_csv(lines))
    assert (report.received, report.stored, report.refused) == (5, 1, 4)
    reasons = dict(report.reasons)
    assert reasons[3] == "aucun DMP pour ce NIR"
    assert "section inconnue" in reasons[4]
    assert "futur" in reasons[5]
    assert "marqueur hospitalier" in reasons[6]


async def test_the_tables_follow_the_read_rule_of_the_class_60_document(session, rt):
    nir = make_nir("2", 80)
    doctor = professional(national_id="810000000116")
    created = await a_dossier(session, rt, request=adult_request(nir=nir), actor=doctor)
    await run_import(session, rt, as_csv(history_lines(nir)))
    tables = await reimbursement_tables(session, rt=rt, actor=doctor, dossier_id=created.dossier_id)
    assert sum(len(t.rows) for t in tables.tables) == 4
    stranger = professional(national_id="810000000124")
    with pytest.raises(AccessDenied):
        await in_unit_of_work(
            session,
            reimbursement_tables(session, rt=rt, actor=stranger, dossier_id=created.dossier_id),
        )


async def test_the_daily_window_drops_aged_lines_and_renders_again(session, rt, clock, insured):
    nir, dossier_id = insured
    await run_import(session, rt, as_csv(history_lines(nir)))
    clock.advance(timedelta(days=730 - 190))  # the stay (200 days old) leaves the window
    affected = await drop_aged_lines(session, rt=rt)
    assert affected == [dossier_id]
    tables = await reimbursement_tables(
        session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id
    )
    assert {t.section: len(t.rows) for t in tables.tables}["hospitalisation"] == 0
