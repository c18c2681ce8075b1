"""A Provide bundle's contents are decoded from base64 once (``fhir.inline_content``):
the models validate a stand-in, the mapper takes the bytes, and what does not decode
strictly is refused exactly as before."""

from __future__ import annotations

import base64
import copy

import pytest
from fhirpy.base.exceptions import OperationOutcome

from dmp.cli.seed import PROFESSIONALS
from dmp.fhir.http import validate_with_models
from dmp.fhir.inline_content import DecodedBase64, decode_contents
from dmp.fhir.transaction import read_plan
from tests.fhir.builders import make_pdf, new_patient, provide_bundle

GP = PROFESSIONALS[0].national_id
PATIENT_ID = "8a0a8d7e-0c4b-4d0e-9a43-3c1f6b0f2a11"


def _contents(bundle):
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Binary":
            yield resource
        elif resource["resourceType"] == "DocumentReference":
            for content in resource["content"]:
                if "data" in content["attachment"]:
                    yield content["attachment"]


@pytest.mark.parametrize("binaries", [True, False])
def test_each_content_is_decoded_once_and_the_models_see_a_stand_in(binaries):
    pdfs = [make_pdf(3000), make_pdf(5000)]
    bundle = provide_bundle(PATIENT_ID, [{"data": pdf} for pdf in pdfs], binaries=binaries)
    original = copy.deepcopy(bundle)
    for_models = decode_contents(bundle)
    kept = list(_contents(bundle))
    assert len(kept) == 2
    for holder, pdf in zip(kept, pdfs, strict=True):
        assert isinstance(holder["data"], DecodedBase64)
        assert holder["data"].decoded == pdf
        assert holder["data"] == base64.b64encode(pdf).decode()  # still the same text
    assert [h["data"] for h in _contents(for_models)] == ["AAAA", "AAAA"]
    assert bundle == original  # equal as JSON: only the strings' class changed
    validate_with_models(for_models)
    plan = read_plan(bundle)
    assert plan.refusals == []
    assert [deposit.content for deposit in plan.deposits.values()] == pdfs


@pytest.mark.parametrize("text", ["JVBERi0x\nLjQK", "JVBERi0xLjQ", "", "@@@@"])
def test_what_does_not_decode_strictly_is_left_for_the_models_and_the_mapper(text):
    bundle = provide_bundle(PATIENT_ID, [{}])
    bundle["entry"][2]["resource"]["data"] = text
    for_models = decode_contents(bundle)
    assert for_models["entry"][2]["resource"]["data"] == text
    assert type(bundle["entry"][2]["resource"]["data"]) is str


async def test_bad_base64_is_still_refused_with_the_element_named(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    bundle = provide_bundle(patient["id"], [{}])
    bundle["entry"][2]["resource"]["data"] = "JVBERi0x\nLjQK"  # lenient base64 only
    with pytest.raises(OperationOutcome) as raised:
        await gp.execute("", data=bundle)
    issue = raised.value.resource["issue"][0]
    assert issue["expression"] == ["Bundle.entry[1].resource.content[0].attachment.data"]
    assert "base64" in issue["details"]["text"]
