"""ITI-65 Provide Document Bundle through fhirpy: transactions at /fhir and /fhir/, all or
nothing, replacement, and the answer a transaction-response Bundle."""

from __future__ import annotations

import base64

import httpx
import pytest
from fhirpy.base.exceptions import OperationOutcome

from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import (
    created_ids,
    fhir_valid,
    make_pdf,
    new_patient,
    provide,
    provide_bundle,
)

GP, EMERGENCY = PROFESSIONALS[0].national_id, PROFESSIONALS[1].national_id


async def test_a_bundle_with_binaries_is_stored_and_answered_entry_by_entry(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = provide_bundle(patient["id"], [{"title": "CR 1"}, {"title": "CR 2"}])
    answer = fhir_valid(dict(await gp.execute("", data=bundle)))  # fhirpy posts to /fhir/
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * 5
    kinds = [e["response"]["location"].split("/")[0] for e in answer["entry"]]
    assert kinds == ["List", "DocumentReference", "Binary", "DocumentReference", "Binary"]
    references = created_ids(answer)
    assert created_ids(answer, "Binary") == references  # a Binary is its document's content
    found = await gp.resources("DocumentReference").search(patient=patient["id"]).fetch()
    assert sorted(r["id"] for r in found) == sorted(references)
    assert {r["content"][0]["attachment"]["title"] for r in found} == {"CR 1", "CR 2"}
    assert all(r["author"][0]["display"] == "Claire Lefèvre" for r in found)


async def test_inline_data_at_the_base_url_without_slash_as_fhir_json(fhir_world, as_professional):
    patient = await new_patient(as_professional(GP))
    bundle = provide_bundle(patient["id"], [{}], binaries=False)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            fhir_world.base,
            json=bundle,
            headers={**fhir_world.headers(GP), "Content-Type": "application/fhir+json"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert len(created_ids(answer.json())) == 1


async def test_all_or_nothing_one_bad_document_stores_none(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = provide_bundle(
        patient["id"], [{"title": "bon"}, {"type_code": "99999-9"}, {"data": b"not a pdf"}]
    )
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("", data=bundle)
    outcome = fhir_valid(refused.value.resource)
    # Every refusal is reported, each naming its entry.
    where = [issue["expression"][0] for issue in outcome["issue"]]
    assert where == ["Bundle.entry[3].resource", "Bundle.entry[5].resource"]
    assert "99999-9" in outcome["issue"][0]["details"]["text"]
    assert outcome["issue"][1]["code"] == "not-supported"  # content is not a PDF
    assert await gp.resources("DocumentReference").search(patient=patient["id"]).fetch() == []


async def test_a_refusal_while_storing_undoes_the_documents_stored_before_it(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    [existing] = await provide(gp, patient["id"], {"unique_id": "urn:oid:1.2.250.1.999.1"})
    bundle = provide_bundle(
        patient["id"], [{"title": "nouveau"}, {"unique_id": "urn:oid:1.2.250.1.999.1"}]
    )
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("", data=bundle)
    assert refused.value.resource["issue"][0]["code"] == "conflict"
    found = await gp.resources("DocumentReference").search(patient=patient["id"]).fetch()
    assert [r["id"] for r in found] == [existing]


async def test_a_replacement_supersedes_the_previous_version(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    [first] = await provide(gp, patient["id"], {"title": "v1"})
    [second] = await provide(gp, patient["id"], {"title": "v2", "replaces": first})
    current = await gp.resources("DocumentReference").search(patient=patient["id"]).fetch()
    assert [r["id"] for r in current] == [second]
    assert current[0]["relatesTo"][0]["target"]["reference"] == f"DocumentReference/{first}"
    old = (
        await gp.resources("DocumentReference")
        .search(patient=patient["id"], status="superseded")
        .fetch()
    )
    assert [r["id"] for r in old] == [first]


async def test_a_deposit_needs_no_authorization(as_professional):
    patient = await new_patient(as_professional(GP))
    # Feeding is not reading: the emergency physician, not authorized, deposits.
    ids = await provide(as_professional(EMERGENCY), patient["id"], {})
    assert len(ids) == 1


async def test_content_checks_report_hash_and_size(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = provide_bundle(patient["id"], [{}], binaries=False)
    attachment = bundle["entry"][1]["resource"]["content"][0]["attachment"]
    attachment["hash"] = base64.b64encode(b"\x00" * 20).decode()
    attachment["size"] = 3
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("", data=bundle)
    text = refused.value.resource["issue"][0]["details"]["text"]
    assert "taille déclarée 3" in text


async def test_a_sha1_hash_that_matches_is_accepted(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = provide_bundle(patient["id"], [{"data": make_pdf(4096)}], binaries=False)
    assert len(created_ids(dict(await gp.execute("", data=bundle)))) == 1
