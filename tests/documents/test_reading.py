"""Reading back: content byte for byte from encrypted storage, every read traced, the
decision's obligations returned to the caller."""

from __future__ import annotations

import pytest

from dmp.documents import errors
from dmp.documents.reading import read_document, read_document_content
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.errors import AccessDenied
from dmp.policy import AccessMode, Obligation
from tests.builders.actors import patient, professional
from tests.builders.documents import (
    CDA,
    CDA_PDF,
    HOSPITAL_STAY,
    JPEG,
    PDF,
    PNG,
    TEXT,
    a_document,
    blob_keys,
    grant,
    traces_of,
)

FORMATS = [
    (PDF, "application/pdf"),
    (CDA, "text/xml"),
    (CDA_PDF, "application/hl7-cda+xml"),
    (TEXT, "text/plain"),
    (JPEG, "image/jpeg"),
    (PNG, "image/png"),
]


async def _content(session, rt, dossier_id, document_id, actor):
    return await read_document_content(
        session, rt=rt, actor=actor, dossier_id=dossier_id, document_id=document_id
    )


@pytest.mark.parametrize(("content", "mime"), FORMATS, ids=[m for _, m in FORMATS])
async def test_content_reads_back_byte_for_byte_and_the_read_is_traced(
    session, rt, dossier_id, content, mime
):
    doc = await a_document(session, rt, dossier_id, content=content, mime=mime)
    read = await _content(session, rt, dossier_id, doc.id, patient(dossier_id))
    assert read.data == content
    assert read.document.id == doc.id and read.obligations == {Obligation.TRACE}
    last = (await traces_of(session, dossier_id))[-1]
    assert (last.action, last.outcome, last.target) == (
        "dossier:document:read",
        "allowed",
        str(doc.id),
    )


async def test_the_stored_blob_does_not_contain_the_plaintext(session, rt, dossier_id):
    await a_document(session, rt, dossier_id, content=TEXT, mime="text/plain")
    await a_document(session, rt, dossier_id, content=CDA, mime="text/xml")
    root = rt.settings.effective_blob_dir
    raw = [(root / key).read_bytes() for key in await blob_keys(rt, dossier_id)]
    assert len(raw) == 2
    for stored in raw:
        assert b"genou" not in stored and b"cardiologie" not in stored
        assert b"ClinicalDocument" not in stored and b"Note" not in stored


async def test_a_tampered_blob_is_reported_not_served(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    (key,) = await blob_keys(rt, dossier_id)
    path = rt.settings.effective_blob_dir / key
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 0x01
    path.write_bytes(bytes(sealed))
    with pytest.raises(errors.ContentUnavailable):
        await _content(session, rt, dossier_id, doc.id, patient(dossier_id))


async def test_a_professional_without_grounds_is_refused_and_the_refusal_traced(
    session, rt, dossier_id
):
    doc = await a_document(session, rt, dossier_id)
    stranger = professional("810004444442", name="Dr Inconnu")
    with pytest.raises(AccessDenied) as refused:
        await _content(session, rt, dossier_id, doc.id, stranger)
    assert refused.value.fields["reason"] == "not_authorized"
    last = (await traces_of(session, dossier_id))[-1]
    assert (last.actor_id, last.outcome, last.target) == (stranger.id, "denied", str(doc.id))


async def test_the_habilitation_matrix_limits_what_an_authorized_professional_reads(
    session, rt, dossier_id
):
    doc = await a_document(session, rt, dossier_id, type_code=HOSPITAL_STAY)
    podiatrist = professional("810003333331", profession="80", name="M. Podologue")
    await grant(session, rt, dossier_id, podiatrist.id)
    with pytest.raises(AccessDenied) as refused:
        await read_document(
            session, rt=rt, actor=podiatrist, dossier_id=dossier_id, document_id=doc.id
        )
    assert refused.value.fields["reason"] == "matrix_denies_type"


async def test_break_glass_returns_the_banner_and_notice_obligations(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    emergency = professional(
        "810002222220", mode=AccessMode.BREAK_GLASS, reason="Patient inconscient aux urgences"
    )
    read = await _content(session, rt, dossier_id, doc.id, emergency)
    assert read.data == PDF
    assert {Obligation.BREAK_GLASS_BANNER, Obligation.NOTIFY_PATIENT} <= read.obligations
    assert (await traces_of(session, dossier_id))[-1].mode == "break_glass"


async def test_a_closed_dossier_stays_readable_by_its_holder_only(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id)
    holder = patient(dossier_id)
    await close_dossier(
        session, rt=rt, actor=holder, dossier_id=dossier_id, reason=ClosureReason.PATIENT_REQUEST
    )
    assert (await _content(session, rt, dossier_id, doc.id, holder)).data == PDF
    with pytest.raises(AccessDenied):
        await _content(session, rt, dossier_id, doc.id, professional())


async def test_an_unknown_document_is_not_found(session, rt, dossier_id):
    from dmp.kit.ids import new_id

    with pytest.raises(errors.DocumentNotFound):
        await read_document(
            session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id, document_id=new_id()
        )
