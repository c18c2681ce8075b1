"""The patient side's organisation: selections, archived, recent and current documents,
and the nine categories with counts computed in SQL under the access rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmp.documents.organisation import (
    archived_documents,
    category_counts,
    current_documents,
    recent_documents,
    select_document,
    selected_documents,
)
from dmp.documents.service import archive_document
from dmp.errors import AccessDenied
from dmp.policy import Visibility
from dmp.reference import patient_categories
from tests.builders.actors import patient, professional, representative
from tests.builders.documents import TEXT, a_document, feed, grant, traces_of
from tests.builders.dossiers import a_dossier, minor_request


def _ids(page) -> list:
    return [item.id for item in page.items]


async def test_selections_are_added_and_removed(session, rt, dossier_id):
    holder = patient(dossier_id)
    doc = await a_document(session, rt, dossier_id)
    args = {"session": session, "rt": rt, "actor": holder, "dossier_id": dossier_id}
    chosen = await select_document(document_id=doc.id, **args)
    assert chosen.selected
    await select_document(document_id=doc.id, **args)  # twice is once
    assert _ids(await selected_documents(**args)) == [doc.id]
    await select_document(document_id=doc.id, selected=False, **args)
    assert _ids(await selected_documents(**args)) == []
    actions = [t.action for t in await traces_of(session, dossier_id)]
    assert actions.count("dossier:document:select") == 3
    with pytest.raises(AccessDenied):  # a professional has no say in "Mes sélections"
        await select_document(
            session, rt=rt, actor=professional(), dossier_id=dossier_id, document_id=doc.id
        )


async def test_archived_documents_leave_the_current_list(session, rt, dossier_id):
    holder = patient(dossier_id)
    args = {"session": session, "rt": rt, "actor": holder, "dossier_id": dossier_id}
    kept = await a_document(session, rt, dossier_id)
    moved = await a_document(session, rt, dossier_id, title="Vieux CR")
    await select_document(document_id=moved.id, **args)
    await archive_document(document_id=moved.id, **args)
    assert _ids(await current_documents(**args)) == [kept.id]
    assert _ids(await archived_documents(**args)) == [moved.id]
    # A selection survives archiving: "Mes sélections" shows it still.
    assert _ids(await selected_documents(**args)) == [moved.id]


async def test_recent_documents_are_the_latest_deposits(session, rt, clock, dossier_id):
    holder = patient(dossier_id)
    old = await a_document(session, rt, dossier_id, title="Ancien dépôt")
    clock.advance(timedelta(days=45))
    fresh = await a_document(session, rt, dossier_id, title="Dépôt récent")
    clock.advance(timedelta(days=1))
    newest = await a_document(session, rt, dossier_id, title="Dernier dépôt")
    recent = await recent_documents(session, rt=rt, actor=holder, dossier_id=dossier_id)
    assert _ids(recent) == [newest.id, fresh.id]
    assert old.id not in _ids(recent)
    two = await recent_documents(session, rt=rt, actor=holder, dossier_id=dossier_id, limit=1)
    assert _ids(two) == [newest.id] and two.next_cursor is not None


async def test_the_nine_categories_with_their_counts(session, rt, dossier_id):
    holder = patient(dossier_id)
    await a_document(session, rt, dossier_id)  # CR de consultation → Comptes rendus
    await a_document(session, rt, dossier_id, type_code="34133-9")  # Synthèses
    await a_document(session, rt, dossier_id, type_code="18748-4")  # Imagerie médicale
    await a_document(session, rt, dossier_id, type_code="11502-2")  # Biologie
    await a_document(session, rt, dossier_id, actor=feed(), type_code="REMB")
    # Whatever the type, what the patient wrote counts under "Expression libre".
    await a_document(
        session, rt, dossier_id, actor=holder, type_code="34133-9", content=TEXT, mime="text/plain"
    )
    # Hidden from the patient: not counted for them.
    await a_document(session, rt, dossier_id, visibility=frozenset({Visibility.INVISIBLE_PATIENT}))
    archived = await a_document(session, rt, dossier_id)
    await archive_document(
        session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=archived.id
    )
    before = len(await traces_of(session, dossier_id))
    counts = await category_counts(session, rt=rt, actor=holder, dossier_id=dossier_id)
    assert [c.category for c in counts] == patient_categories()
    assert {c.category: c.count for c in counts} == {
        "Données de remboursement": 1,
        "Synthèses": 1,
        "Comptes rendus": 1,
        "Traitements et soins": 0,
        "Imagerie médicale": 1,
        "Biologie": 1,
        "Prévention": 0,
        "Certificats, déclarations": 0,
        "Expression libre": 1,
    }
    assert len(await traces_of(session, dossier_id)) == before + 1


async def test_counts_follow_the_same_rule_as_the_lists(session, rt):
    minor = (await a_dossier(session, rt, request=minor_request())).dossier_id
    await a_document(session, rt, minor)
    await a_document(
        session, rt, minor, visibility=frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX})
    )
    rep = representative(minor)
    counts = {
        c.category: c.count
        for c in await category_counts(session, rt=rt, actor=rep, dossier_id=minor)
    }
    assert counts["Comptes rendus"] == 1
    listed = await current_documents(session, rt=rt, actor=rep, dossier_id=minor)
    assert len(listed.items) == counts["Comptes rendus"]
    reader = professional("810005555553", name="Dr Lecteur")
    await grant(session, rt, minor, reader.id)
    pro_counts = await category_counts(session, rt=rt, actor=reader, dossier_id=minor)
    assert sum(c.count for c in pro_counts) == 2
