"""Replacement chains, logical deletion by the author only, archiving — each change
keeping the previous metadata version and writing a trace."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dmp.documents import errors
from dmp.documents.models import Document, DocumentMetadataVersion
from dmp.documents.organisation import select_document
from dmp.documents.reading import document_history, document_versions, read_document
from dmp.documents.service import (
    archive_document,
    delete_document,
    replace_document,
    unarchive_document,
)
from dmp.errors import AccessDenied
from dmp.policy import Visibility
from tests.builders.actors import patient, professional
from tests.builders.documents import TEXT, a_document, blob_keys, grant, traces_of, upload

AUTHOR = professional()
OTHER = professional("810007777772", name="Dr Autre")


async def _replace(session, rt, dossier_id, document_id, actor=AUTHOR, **overrides):
    return await replace_document(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=document_id,
        upload=upload(mime="text/plain", **overrides),
        content=TEXT + b"v2",
    )


async def test_replacing_deprecates_the_old_version_and_keeps_the_chain(session, rt, dossier_id):
    first = await a_document(session, rt, dossier_id)
    second = await _replace(session, rt, dossier_id, first.id, title="CR corrigé")
    assert (second.version, second.logical_id, second.replaces_id) == (2, first.id, first.id)
    assert second.status == "approved" and second.mime == "text/plain"
    old = await session.get(Document, (dossier_id, first.id))
    assert old.status == "deprecated" and old.metadata_version == 2
    assert len(await blob_keys(rt, dossier_id)) == 2  # the old content is kept
    # The chain stays readable by those who may read it: the author, the patient.
    for reader in (AUTHOR, patient(dossier_id)):
        chain = await document_versions(
            session, rt=rt, actor=reader, dossier_id=dossier_id, document_id=first.id
        )
        assert [d.version for d in chain.items] == [2, 1]
    deprecated = await read_document(
        session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id, document_id=first.id
    )
    assert deprecated.status == "deprecated"
    last = (await traces_of(session, dossier_id))[-4]  # then two listings and a read
    assert (last.action, last.target) == ("dossier:document:replace", str(first.id))


async def test_a_replacement_keeps_confidentiality_and_the_selection(session, rt, dossier_id):
    first = await a_document(session, rt, dossier_id, visibility=frozenset({Visibility.MASQUE_PS}))
    holder = patient(dossier_id)
    await select_document(session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=first.id)
    second = await _replace(session, rt, dossier_id, first.id)
    assert second.visibility == {Visibility.MASQUE_PS} and second.selected


async def test_only_the_author_replaces_and_only_the_current_version(session, rt, dossier_id):
    first = await a_document(session, rt, dossier_id)
    await grant(session, rt, dossier_id, OTHER.id, role="treating_physician")
    with pytest.raises(AccessDenied) as refused:
        await _replace(session, rt, dossier_id, first.id, actor=OTHER)
    assert refused.value.fields["reason"] == "not_author"
    await _replace(session, rt, dossier_id, first.id)
    with pytest.raises(errors.DocumentNotCurrent):
        await _replace(session, rt, dossier_id, first.id, unique_id="1.2.250.9.9")


async def test_only_the_author_deletes_and_the_whole_chain_goes(session, rt, dossier_id):
    first = await a_document(session, rt, dossier_id)
    second = await _replace(session, rt, dossier_id, first.id)
    await grant(session, rt, dossier_id, OTHER.id, role="treating_physician")
    for stranger in (OTHER, patient(dossier_id)):
        with pytest.raises(AccessDenied) as refused:
            await delete_document(
                session, rt=rt, actor=stranger, dossier_id=dossier_id, document_id=second.id
            )
        assert refused.value.fields["reason"] == "not_author"
    deleted = await delete_document(
        session, rt=rt, actor=AUTHOR, dossier_id=dossier_id, document_id=second.id
    )
    assert deleted.status == "deleted"
    statuses = (
        await session.execute(select(Document.status).where(Document.dossier_id == dossier_id))
    ).scalars()
    assert set(statuses) == {"deleted"}
    assert len(await blob_keys(rt, dossier_id)) == 2  # content kept until the purge
    # Nobody reads a deleted document, its author included; the refusal is traced.
    with pytest.raises(AccessDenied) as refused:
        await read_document(
            session, rt=rt, actor=AUTHOR, dossier_id=dossier_id, document_id=first.id
        )
    assert refused.value.fields["reason"] == "document_not_current"
    assert (await traces_of(session, dossier_id))[-1].outcome == "denied"


async def test_the_patient_deletes_the_documents_they_authored(session, rt, dossier_id):
    holder = patient(dossier_id)
    own = await a_document(session, rt, dossier_id, actor=holder, content=TEXT, mime="text/plain")
    deleted = await delete_document(
        session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=own.id
    )
    assert deleted.status == "deleted"


async def test_archive_and_unarchive_are_status_changes_with_history(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    holder = patient(dossier_id)
    common = {"session": session, "rt": rt, "dossier_id": dossier_id, "document_id": doc.id}
    archived = await archive_document(actor=holder, **common)
    assert archived.status == "archived" and archived.metadata_version == 2
    with pytest.raises(errors.ArchiveRefused):
        await archive_document(actor=holder, **common)
    restored = await unarchive_document(actor=holder, **common)
    assert restored.status == "approved" and restored.metadata_version == 3
    with pytest.raises(AccessDenied):  # archiving is the patient side's organisation
        await archive_document(actor=AUTHOR, **common)
    history = await document_history(actor=holder, **common)
    assert [(h.metadata_version, h.change, h.snapshot["status"]) for h in history] == [
        (1, "created", "approved"),
        (2, "archived", "archived"),
        (3, "unarchived", "approved"),
    ]
    assert history[1].changed_by_kind == "patient"
    actions = [t.action for t in await traces_of(session, dossier_id)]
    assert actions.count("dossier:document:archive") == 4  # two done, one refused, one denied


async def test_every_change_keeps_the_previous_metadata_version(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    await _replace(session, rt, dossier_id, doc.id)
    rows = (
        await session.execute(
            select(DocumentMetadataVersion).where(DocumentMetadataVersion.document_id == doc.id)
        )
    ).scalars()
    assert [(r.metadata_version, r.snapshot["status"]) for r in rows] == [
        (1, "approved"),
        (2, "deprecated"),
    ]


async def test_the_purge_removes_documents_history_and_selections(session, rt, clock, dossier_id):
    from datetime import timedelta

    from dmp.documents.models import Selection
    from dmp.dossiers.purge import purge_dossier
    from dmp.dossiers.schemas import ClosureReason
    from dmp.dossiers.service import close_dossier
    from tests.builders.actors import operator

    holder = patient(dossier_id)
    doc = await a_document(session, rt, dossier_id)
    await select_document(session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=doc.id)
    await close_dossier(
        session,
        rt=rt,
        actor=holder,
        dossier_id=dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
        request_deletion=True,
    )
    clock.advance(timedelta(days=30))
    await purge_dossier(session, rt=rt, actor=operator(), dossier_id=dossier_id)
    for model in (Document, DocumentMetadataVersion, Selection):
        query = select(model).where(model.dossier_id == dossier_id)
        assert (await session.execute(query)).first() is None
