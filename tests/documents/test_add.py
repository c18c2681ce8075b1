"""Depositing documents: accepted formats, server-computed facts, and every refusal
changing nothing (no row, no blob, no trace — or only the denial's trace)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from dmp.documents import errors
from dmp.documents.formats import FORMAT_JPEG, FORMAT_MIME_SUFFICIENT, FORMAT_PDF, FORMAT_TEXT
from dmp.documents.schemas import AuthorKind
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.errors import AccessDenied, DmpError
from dmp.policy import Visibility
from tests.builders.actors import counter_agent, operator, patient, professional
from tests.builders.documents import (
    CDA,
    CDA_PDF,
    CONSULTATION,
    JPEG,
    PDF,
    PNG,
    TEXT,
    a_document,
    blob_keys,
    count_documents,
    feed,
    traces_of,
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol3;</title></ClinicalDocument>"""


@pytest.mark.parametrize(
    ("content", "mime", "format_code"),
    [
        (PDF, "application/pdf", FORMAT_PDF),
        (TEXT, "text/plain; charset=utf-8", FORMAT_TEXT),
        (JPEG, "image/jpeg", FORMAT_JPEG),
        (PNG, "image/png", FORMAT_MIME_SUFFICIENT),
        (CDA_PDF, "text/xml", FORMAT_PDF),
    ],
    ids=["pdf", "text", "jpeg", "png", "cda-pdf-body"],
)
async def test_each_accepted_format_is_deposited_with_server_facts(
    session, rt, dossier_id, content, mime, format_code
):
    doc = await a_document(session, rt, dossier_id, content=content, mime=mime)
    assert doc.format_code == format_code
    assert doc.size == len(content)
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.status == "approved" and doc.version == 1 and doc.logical_id == doc.id
    assert doc.class_code == "10" and doc.patient_category == "Comptes rendus"
    assert doc.author.kind is AuthorKind.PROFESSIONAL and doc.author.profession == "10"
    # A CDA carries its own id; other producers who send none get a UUID-based OID.
    assert doc.unique_id.startswith("2BD1D77F" if mime == "text/xml" else "2.25.")
    assert len(await blob_keys(rt, dossier_id)) == 1


async def test_a_structured_cda_fills_metadata_from_its_header(session, rt, dossier_id):
    doc = await a_document(
        session, rt, dossier_id, content=CDA, mime="text/xml", title=None, creation_time=None
    )
    assert doc.unique_id == "8D0ED8EF-6321-46E1-B320-7768885F1B9E^CR-2026-000412"
    assert doc.title == "Compte rendu de consultation de cardiologie"
    assert doc.creation_time.isoformat() == "2026-03-02T08:30:00+00:00"
    assert doc.language == "fr-FR"
    assert doc.format_code == "urn:ihe:pcc:xds-ms:2007"


async def test_a_cda_whose_type_contradicts_the_metadata_is_refused(session, rt, dossier_id):
    with pytest.raises(errors.CdaMetadataMismatch) as refused:
        await a_document(session, rt, dossier_id, content=CDA, mime="text/xml", type_code="34112-3")
    assert refused.value.fields["found"] == CONSULTATION
    assert await count_documents(session, dossier_id) == 0


async def test_a_unique_id_is_used_once_per_dossier(session, rt, dossier_id):
    await a_document(session, rt, dossier_id, content=CDA, mime="text/xml")
    with pytest.raises(errors.DocumentAlreadyExists):
        await a_document(session, rt, dossier_id, content=CDA, mime="text/xml")
    assert await count_documents(session, dossier_id) == 1
    assert len(await blob_keys(rt, dossier_id)) == 1


async def _refused_and_nothing_changed(session, rt, dossier_id, error, **kwargs) -> DmpError:
    before = len(await traces_of(session, dossier_id))
    with pytest.raises(error) as refused:
        await a_document(session, rt, dossier_id, **kwargs)
    assert await count_documents(session, dossier_id) == 0
    assert await blob_keys(rt, dossier_id) == []
    assert len(await traces_of(session, dossier_id)) == before
    return refused.value


async def test_content_that_is_not_its_declared_type_is_refused(session, rt, dossier_id):
    await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.ContentTypeMismatch, content=PNG, mime="application/pdf"
    )
    await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.ContentTypeMismatch, content=PDF, mime="text/plain"
    )


async def test_unsupported_formats_are_refused(session, rt, dossier_id):
    await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.UnsupportedFormat, content=b"GIF89a....", mime="image/gif"
    )


async def test_oversize_is_refused_with_the_limit(session, rt, dossier_id):
    rt.settings.max_document_bytes = 1000
    refused = await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.DocumentTooLarge, content=PDF
    )
    assert refused.status == 413 and refused.fields == {"size": len(PDF), "limit": 1000}


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
async def test_hostile_xml_is_refused_through_the_service(session, rt, dossier_id, payload):
    await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.UnsafeXml, content=payload, mime="text/xml"
    )


async def test_unknown_type_is_refused_with_the_valid_list(session, rt, dossier_id):
    refused = await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.UnknownTypeCode, type_code="99999-9"
    )
    assert CONSULTATION in refused.fields["valid"]
    assert CONSULTATION in refused.message("fr")


async def test_unknown_class_is_refused_with_the_valid_list(session, rt, dossier_id):
    refused = await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.UnknownClassCode, class_code="77"
    )
    assert "10" in refused.fields["valid"] and "60" in refused.fields["valid"]


async def test_a_class_that_does_not_match_the_type_is_refused(session, rt, dossier_id):
    refused = await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.ClassTypeMismatch, class_code="11"
    )
    assert refused.fields["expected"] == "10"
    doc = await a_document(session, rt, dossier_id, class_code="10")
    assert doc.class_code == "10"


async def test_a_client_hash_that_disagrees_is_refused(session, rt, dossier_id):
    await _refused_and_nothing_changed(
        session, rt, dossier_id, errors.HashMismatch, sha256=hashlib.sha256(b"other").hexdigest()
    )
    fhir_style = base64.b64encode(hashlib.sha256(PDF).digest()).decode()
    assert (await a_document(session, rt, dossier_id, sha256=fhir_style)).size == len(PDF)


async def test_a_creation_time_in_the_future_is_refused(session, rt, dossier_id):
    await _refused_and_nothing_changed(
        session,
        rt,
        dossier_id,
        errors.CreationTimeInFuture,
        creation_time=rt.clock.now() + timedelta(days=3),
    )


async def test_a_closed_dossier_refuses_deposits_and_traces_the_denial(session, rt, dossier_id):
    await close_dossier(
        session,
        rt=rt,
        actor=patient(dossier_id),
        dossier_id=dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )
    with pytest.raises(AccessDenied) as refused:
        await a_document(session, rt, dossier_id)
    assert refused.value.fields["reason"] == "dossier_closed"
    assert await count_documents(session, dossier_id) == 0
    assert await blob_keys(rt, dossier_id) == []
    last = (await traces_of(session, dossier_id))[-1]
    assert (last.action, last.outcome) == ("dossier:document:add", "denied")


@pytest.mark.parametrize("actor", [counter_agent(), operator()], ids=["counter", "operator"])
async def test_administrative_actors_never_deposit(session, rt, dossier_id, actor):
    with pytest.raises(AccessDenied):
        await a_document(session, rt, dossier_id, actor=actor)
    assert await blob_keys(rt, dossier_id) == []


async def test_a_blocked_professional_still_deposits_and_the_add_is_traced(session, rt, dossier_id):
    from tests.builders.documents import grant

    await grant(session, rt, dossier_id, "810003461033", state="blocked")
    doc = await a_document(session, rt, dossier_id)
    last = (await traces_of(session, dossier_id))[-1]
    assert (last.action, last.outcome, last.target) == (
        "dossier:document:add",
        "allowed",
        str(doc.id),
    )


async def test_the_patient_deposits_under_expression_libre(session, rt, dossier_id):
    doc = await a_document(
        session, rt, dossier_id, actor=patient(dossier_id), content=TEXT, mime="text/plain"
    )
    assert doc.author.kind is AuthorKind.PATIENT and doc.author.name == "Titulaire"
    assert doc.author.profession is None
    assert doc.patient_category == "Expression libre"


async def test_a_feed_deposits_reimbursement_data_which_is_never_masked(session, rt, dossier_id):
    doc = await a_document(session, rt, dossier_id, actor=feed(), type_code="REMB")
    assert doc.author.kind is AuthorKind.FEED and doc.class_code == "60"
    with pytest.raises(errors.Unmaskable):
        await a_document(
            session,
            rt,
            dossier_id,
            type_code="REMB",
            visibility=frozenset({Visibility.MASQUE_PS}),
        )


async def test_initial_confidentiality_codes(session, rt, dossier_id):
    doc = await a_document(
        session, rt, dossier_id, visibility=frozenset({Visibility.INVISIBLE_PATIENT})
    )
    assert doc.visibility == {Visibility.INVISIBLE_PATIENT}
    with pytest.raises(errors.VisibilityConflict):
        await a_document(
            session,
            rt,
            dossier_id,
            visibility=frozenset({Visibility.INVISIBLE_PATIENT, Visibility.MASQUE_PS}),
        )
    with pytest.raises(errors.VisibilityNotAllowed):
        await a_document(
            session,
            rt,
            dossier_id,
            actor=patient(dossier_id),
            visibility=frozenset({Visibility.INVISIBLE_PATIENT}),
        )
    masked = await a_document(
        session,
        rt,
        dossier_id,
        actor=patient(dossier_id),
        visibility=frozenset({Visibility.MASQUE_PS}),
    )
    assert masked.visibility == {Visibility.MASQUE_PS}
    assert await count_documents(session, dossier_id) == 2


async def test_the_author_is_the_authenticated_actor(session, rt, dossier_id):
    nurse = professional("810009876543", profession="60", name="Inf. Paul Lenoir")
    doc = await a_document(session, rt, dossier_id, actor=nurse, author_structure_name="Cabinet")
    assert (doc.author.id, doc.author.name, doc.author.profession) == (
        "810009876543",
        "Inf. Paul Lenoir",
        "60",
    )
    assert doc.author.structure_name == "Cabinet"
