"""ITI-68 Retrieve Document: the original bytes with their type and ETag, conditional GET,
and the Binary resource for clients asking for FHIR JSON."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest

from dmp.cli.seed import PROFESSIONALS
from dmp.fhir.ids import parse_document_id
from tests.builders.documents import traces_of
from tests.fhir.builders import fhir_valid, make_pdf, new_patient, provide, with_services

GP = PROFESSIONALS[0].national_id


@pytest.fixture
async def deposited(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    content = make_pdf(5000)
    [document_id] = await provide(gp, patient["id"], {"data": content})
    reference = await gp.reference("DocumentReference", document_id).to_resource()
    return reference, content


async def test_the_attachment_url_gives_the_original_bytes(fhir_world, deposited):
    reference, content = deposited
    url = reference["content"][0]["attachment"]["url"]
    async with httpx.AsyncClient() as http:
        answer = await http.get(url, headers={**fhir_world.headers(GP), "Accept": "*/*"})
    assert answer.status_code == 200
    assert answer.content == content
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["etag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    assert answer.headers["cache-control"] == "private, no-cache"


async def test_conditional_get_answers_304_and_is_still_traced(fhir_world, deposited):
    reference, _ = deposited
    url = reference["content"][0]["attachment"]["url"]
    patient_id = reference["subject"]["reference"].split("/")[1]
    async with httpx.AsyncClient() as http:
        first = await http.get(url, headers=fhir_world.headers(GP))
        again = await http.get(
            url, headers={**fhir_world.headers(GP), "If-None-Match": first.headers["etag"]}
        )
        changed = await http.get(url, headers={**fhir_world.headers(GP), "If-None-Match": '"00"'})
        traces = await http.get(
            f"{fhir_world.base}/AuditEvent",
            params={"patient": patient_id},
            headers=fhir_world.headers(GP),
        )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert changed.status_code == 200
    # The GP is not a treating physician: reading the traces is refused (and traced).
    assert traces.status_code == 403


async def test_fhir_json_gives_a_binary_resource(as_professional, deposited):
    reference, content = deposited
    binary = await as_professional(GP).reference("Binary", reference["id"]).to_resource()
    resource = fhir_valid(binary.serialize())
    assert resource["contentType"] == "application/pdf"
    assert base64.b64decode(resource["data"]) == content


async def test_a_document_reference_is_read_by_id(as_professional, deposited):
    reference, _ = deposited
    assert fhir_valid(dict(reference))["status"] == "current"
    assert reference["content"][0]["attachment"]["size"] == 5000


async def test_a_content_the_store_has_lost_is_reported_and_its_read_stays_traced(
    fhir_world, deposited
):
    """The content is fetched after the read is traced and committed (decision 0012): a
    store that cannot give it back answers 500, and the trace of the read stays. A
    conditional GET the client's copy answers does not ask the store at all."""
    reference, content = deposited
    url = reference["content"][0]["attachment"]["url"]
    dossier_id, version_id = parse_document_id(url.rsplit("/", 1)[1], "Binary")

    async def reads(session, _rt):
        return [
            trace.outcome
            for trace in await traces_of(session, dossier_id)
            if trace.action == "dossier:document:read" and trace.target == str(version_id)
        ]

    before = await with_services(fhir_world, reads)
    folder = fhir_world.server.settings.effective_blob_dir / str(dossier_id)
    for path in [p for p in folder.rglob("*") if p.is_file()]:
        path.unlink()
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    async with httpx.AsyncClient() as http:
        lost = await http.get(url, headers=fhir_world.headers(GP))
        held = await http.get(url, headers={**fhir_world.headers(GP), "If-None-Match": etag})
    assert lost.status_code == 500
    assert "document_content_unavailable" in lost.text
    assert held.status_code == 304
    assert await with_services(fhir_world, reads) == [*before, "allowed", "allowed"]
