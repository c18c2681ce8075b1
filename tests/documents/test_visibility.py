"""Confidentiality codes set and lifted after deposit, by the roles the policy names, with
the history of every change kept and each decision traced."""

from __future__ import annotations

import pytest

from dmp.documents import errors
from dmp.documents.reading import document_history, read_document
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.documents.service import replace_document
from dmp.documents.visibility import set_visibility
from dmp.errors import AccessDenied
from dmp.policy import Obligation, Visibility
from tests.builders.actors import patient, professional, representative
from tests.builders.documents import PDF, a_document, feed, grant, traces_of, upload
from tests.builders.dossiers import a_dossier, minor_request

AUTHOR = professional()
READER = professional("810005555553", name="Dr Lecteur")  # authorized, not a manager
TREATING = professional("810006666664", name="Dr Traitant")
MASK, INVISIBLE, HIDDEN_FROM_REPS = (
    Visibility.MASQUE_PS,
    Visibility.INVISIBLE_PATIENT,
    Visibility.INVISIBLE_REPRESENTANTS_LEGAUX,
)


async def _set(session, rt, dossier_id, document_id, actor, code, on=True):
    return await set_visibility(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        code=code,
        on=on,
    )


async def _reads(session, rt, dossier_id, document_id, actor) -> bool:
    try:
        await read_document(
            session, rt=rt, actor=actor, dossier_id=dossier_id, document_id=document_id
        )
    except AccessDenied:
        return False
    return True


@pytest.fixture
async def grants(session, rt, dossier_id):
    await grant(session, rt, dossier_id, READER.id)
    await grant(session, rt, dossier_id, TREATING.id, role="treating_physician")


async def test_the_patient_masks_and_unmasks(session, rt, dossier_id, grants):
    doc = await a_document(session, rt, dossier_id)
    holder = patient(dossier_id)
    masked = await _set(session, rt, dossier_id, doc.id, holder, MASK)
    assert masked.visibility == {MASK} and masked.metadata_version == 2
    assert not await _reads(session, rt, dossier_id, doc.id, READER)
    for sees_masked in (AUTHOR, TREATING, holder):
        assert await _reads(session, rt, dossier_id, doc.id, sees_masked)
    unmasked = await _set(session, rt, dossier_id, doc.id, holder, MASK, on=False)
    assert unmasked.visibility == frozenset()
    assert await _reads(session, rt, dossier_id, doc.id, READER)
    history = await document_history(
        session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=doc.id
    )
    assert [(h.change, h.snapshot["visibility"]) for h in history] == [
        ("created", []),
        ("masked", ["MASQUE_PS"]),
        ("unmasked", []),
    ]


async def test_a_professional_who_is_not_a_manager_cannot_mask(session, rt, dossier_id, grants):
    doc = await a_document(session, rt, dossier_id)
    with pytest.raises(AccessDenied) as refused:
        await _set(session, rt, dossier_id, doc.id, READER, MASK)
    assert refused.value.fields["reason"] == "not_manager"
    last = (await traces_of(session, dossier_id))[-1]
    assert (last.action, last.outcome) == ("dossier:document:mask", "denied")
    assert (await _set(session, rt, dossier_id, doc.id, TREATING, MASK)).visibility == {MASK}


async def test_invisible_to_the_patient_until_the_author_lifts_it(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    holder = patient(dossier_id)
    await _set(session, rt, dossier_id, doc.id, AUTHOR, INVISIBLE)
    assert not await _reads(session, rt, dossier_id, doc.id, holder)
    listed = await search_documents(
        session, rt=rt, actor=holder, dossier_id=dossier_id, query=DocumentSearch()
    )
    assert listed.items == []
    with pytest.raises(AccessDenied):  # the patient side never sets nor lifts it
        await _set(session, rt, dossier_id, doc.id, holder, INVISIBLE, on=False)
    await _set(session, rt, dossier_id, doc.id, AUTHOR, INVISIBLE, on=False)
    assert await _reads(session, rt, dossier_id, doc.id, holder)


async def test_invisible_to_the_patient_is_never_combined_with_masked(session, rt, dossier_id):
    holder = patient(dossier_id)
    hidden = await a_document(session, rt, dossier_id)
    await _set(session, rt, dossier_id, hidden.id, AUTHOR, INVISIBLE)
    await grant(session, rt, dossier_id, TREATING.id, role="treating_physician")
    with pytest.raises(errors.VisibilityConflict):
        await _set(session, rt, dossier_id, hidden.id, TREATING, MASK)
    masked = await a_document(session, rt, dossier_id, unique_id="1.2.250.1.999.1")
    await _set(session, rt, dossier_id, masked.id, holder, MASK)
    with pytest.raises(errors.VisibilityConflict):
        await _set(session, rt, dossier_id, masked.id, AUTHOR, INVISIBLE)


async def test_hidden_from_the_legal_representatives_of_a_minor(session, rt):
    minor = (await a_dossier(session, rt, request=minor_request())).dossier_id
    rep = representative(minor)
    doc = await a_document(session, rt, minor)
    await grant(session, rt, minor, READER.id)
    changed = await _set(session, rt, minor, doc.id, AUTHOR, HIDDEN_FROM_REPS)
    assert changed.visibility == {HIDDEN_FROM_REPS}
    assert not await _reads(session, rt, minor, doc.id, rep)
    # Professionals still read it, with the marker that tells them not to share it.
    seen = await read_document(session, rt=rt, actor=READER, dossier_id=minor, document_id=doc.id)
    assert Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES in seen.obligations
    listed = await search_documents(
        session, rt=rt, actor=READER, dossier_id=minor, query=DocumentSearch()
    )
    assert Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES in listed.items[0].obligations
    await _set(session, rt, minor, doc.id, AUTHOR, HIDDEN_FROM_REPS, on=False)
    assert await _reads(session, rt, minor, doc.id, rep)


async def test_reimbursement_history_can_never_be_masked(session, rt, dossier_id, grants):
    remb = await a_document(session, rt, dossier_id, actor=feed(), type_code="REMB")
    for actor in (patient(dossier_id), TREATING):
        with pytest.raises(AccessDenied) as refused:
            await _set(session, rt, dossier_id, remb.id, actor, MASK)
        assert refused.value.fields["reason"] == "unmaskable"
    with pytest.raises(AccessDenied):
        await _set(session, rt, dossier_id, remb.id, TREATING, INVISIBLE)


async def test_a_code_applies_to_the_whole_version_chain(session, rt, dossier_id, grants):
    first = await a_document(session, rt, dossier_id)
    second = await replace_document(
        session,
        rt=rt,
        actor=AUTHOR,
        dossier_id=dossier_id,
        document_id=first.id,
        upload=upload(title="v2"),
        content=PDF,
    )
    await _set(session, rt, dossier_id, second.id, patient(dossier_id), MASK)
    # The replaced version would otherwise show the masked content to a plain reader.
    assert not await _reads(session, rt, dossier_id, first.id, READER)


async def test_a_change_that_changes_nothing_adds_no_version(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    holder = patient(dossier_id)
    once = await _set(session, rt, dossier_id, doc.id, holder, MASK)
    twice = await _set(session, rt, dossier_id, doc.id, holder, MASK)
    assert once.metadata_version == twice.metadata_version == 2
