"""The ANS PDSm guide's own examples (``tests/data/public/pdsm``), read as they are.

The server understands every element of them; it refuses what a DMP must refuse, saying
which element and why:
- their patient, ``Patient/fr-patient-123``, has no DMP here;
- the comprehensive example files type 34133-9 under class 10, where the DMP's
  type/class table (ASS_X16) puts it under class 11;
- their content is an 11-byte placeholder ("Hello World") declared as a 345,678-byte PDF
  with the SHA-1 of nothing.
With our patient and a real PDF (the simplified example), or the class of the table too
(the comprehensive one), the same resources are accepted.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhirpy.base.exceptions import OperationOutcome

from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import created_ids, fhir_valid, make_pdf, new_patient

PDSM = Path(__file__).resolve().parents[1] / "data" / "public" / "pdsm"
GP = PROFESSIONALS[0].national_id


def example(name: str) -> dict[str, Any]:
    return json.loads((PDSM / name).read_text(encoding="utf-8-sig"))


def ans_transaction() -> dict[str, Any]:
    """The guide's submission set, comprehensive DocumentReference and Binary, each as
    published, in the transaction Bundle an ITI-65 carries them in."""
    reference = example("DocumentReference-exemple-pdsm-documentreference.json")
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:8f1a0c57-3a35-4b8e-9c39-5b7f0d1e2a11",
                "resource": example("List-ExampleSubmissionSet.json"),
                "request": {"method": "POST", "url": "List"},
            },
            {
                "fullUrl": "DocumentReference/exemple-pdsm-documentreference",
                "resource": reference,
                "request": {"method": "POST", "url": "DocumentReference"},
            },
            {
                "fullUrl": "Binary/6789",
                "resource": example("Binary-6789.json"),
                "request": {"method": "POST", "url": "Binary"},
            },
        ],
    }


def with_our_patient(bundle: dict[str, Any], patient_id: str, content: bytes) -> dict[str, Any]:
    bundle = copy.deepcopy(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for element in ("subject",):
            if element in resource:
                resource[element] = {"reference": f"Patient/{patient_id}"}
        if resource["resourceType"] == "DocumentReference":
            if "sourcePatientInfo" in resource["context"]:
                resource["context"]["sourcePatientInfo"] = {"reference": f"Patient/{patient_id}"}
            attachment = resource["content"][0]["attachment"]
            del attachment["size"], attachment["hash"]  # they describe the placeholder
        if resource["resourceType"] == "Binary":
            resource["data"] = base64.b64encode(content).decode()
    return bundle


async def test_the_examples_are_valid_fhir():
    for name in (
        "Bundle-a9c10f8a-882d-4000-a280-7150e0aeb478.json",
        "DocumentReference-exemple-pdsm-documentreference.json",
        "DocumentReference-PDSmSimplifiedExample.json",
        "List-ExampleSubmissionSet.json",
    ):
        fhir_valid(example(name))


async def test_the_published_bundle_is_a_response_and_is_refused_as_such(as_professional):
    with pytest.raises(OperationOutcome) as refused:
        await as_professional(GP).execute(
            "", data=example("Bundle-a9c10f8a-882d-4000-a280-7150e0aeb478.json")
        )
    issue = fhir_valid(refused.value.resource)["issue"][0]
    assert issue["code"] == "invalid"
    assert "Bundle.type" in issue["details"]["text"]
    assert "transaction-response" in issue["diagnostics"]


async def test_the_examples_as_published_are_refused_for_their_patient(as_professional):
    with pytest.raises(OperationOutcome) as refused:
        await as_professional(GP).execute("", data=ans_transaction())
    outcome = fhir_valid(refused.value.resource)
    assert {issue["code"] for issue in outcome["issue"]} == {"not-found"}
    for issue in outcome["issue"]:
        assert "Patient/fr-patient-123" in issue["details"]["text"]
        assert "has no DMP on this server" in issue["diagnostics"]
    assert [i["expression"][0] for i in outcome["issue"]] == [
        "Bundle.entry[0].resource.subject",
        "Bundle.entry[1].resource.subject",
    ]


async def test_with_our_patient_the_class_of_the_type_is_refused(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("", data=with_our_patient(ans_transaction(), patient["id"], make_pdf()))
    [issue] = refused.value.resource["issue"]
    assert issue["details"]["coding"][0]["code"] == "class_type_mismatch"
    assert issue["expression"] == ["Bundle.entry[1].resource"]


async def test_the_placeholder_content_is_refused_for_what_it_is(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = simplified_transaction()
    bundle["entry"][0]["resource"]["subject"] = {"reference": f"Patient/{patient['id']}"}
    reference = bundle["entry"][1]["resource"]
    reference["subject"] = {"reference": f"Patient/{patient['id']}"}
    attachment = reference["content"][0]["attachment"]
    for expected in ("250000", "SHA-1"):  # the declared size, then the hash of nothing
        with pytest.raises(OperationOutcome) as refused:
            await gp.execute("", data=bundle)
        [issue] = refused.value.resource["issue"]
        assert expected in issue["details"]["text"]
        del attachment["size" if expected == "250000" else "hash"]
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("", data=bundle)
    [issue] = refused.value.resource["issue"]
    assert issue["code"] == "not-supported"  # "Hello World" is no PDF
    assert "application/pdf" in issue["details"]["text"]


async def test_with_our_patient_a_pdf_and_the_table_class_they_are_accepted(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = with_our_patient(ans_transaction(), patient["id"], make_pdf())
    bundle["entry"][1]["resource"]["category"][0]["coding"][0]["code"] = "11"
    answer = await gp.execute("", data=bundle)
    [document_id] = created_ids(dict(answer))
    resource = await gp.reference("DocumentReference", document_id).to_resource()
    assert resource["masterIdentifier"]["value"] == "urn:uuid:12345678-abcd-1234-abcd-1234567890ab"
    assert resource["type"]["coding"][0]["code"] == "34133-9"
    assert resource["content"][0]["attachment"]["title"] == "CR Hospitalisation"
    assert resource["context"]["period"]["start"].startswith("2025-04-20T07:00:00")
    assert resource["context"]["practiceSetting"]["coding"][0]["code"] == "ETABLISSEMENT"
    # The token decides who deposits, not the example's Practitioner.
    assert resource["contained"][0]["identifier"][0]["value"] == GP


def simplified_transaction() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0c3f9f5e-2f67-4d2a-a4a6-3f5a7d0b6f21",
                "resource": example("List-ExampleSubmissionSet.json"),
                "request": {"method": "POST", "url": "List"},
            },
            {
                "fullUrl": "urn:uuid:5d1f5c0e-7b43-4a0e-8d1e-0f6b2a9c3d44",
                "resource": example("DocumentReference-PDSmSimplifiedExample.json"),
                "request": {"method": "POST", "url": "DocumentReference"},
            },
        ],
    }


async def test_the_simplified_example_with_its_data_inline(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = with_our_patient(simplified_transaction(), patient["id"], b"")
    attachment = bundle["entry"][1]["resource"]["content"][0]["attachment"]
    attachment["data"] = base64.b64encode(make_pdf()).decode()
    assert len(created_ids(dict(await gp.execute("", data=bundle)))) == 1
