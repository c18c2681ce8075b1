"""Every refusal is an OperationOutcome with a precise issue code, French and English
text, and the right status."""

from __future__ import annotations

import httpx
import pytest

from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import create_parameters, fhir_valid, make_pdf, new_patient, provide_bundle
from tests.fhir.conftest import MAX_DOCUMENT_BYTES

GP, NURSE = PROFESSIONALS[0].national_id, PROFESSIONALS[3].national_id
MISSING = "0" * 64


@pytest.fixture
async def patient_id(as_professional) -> str:
    return (await new_patient(as_professional(GP)))["id"]


async def _call(world, method: str, path: str, who: str | None = GP, **kwargs) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if who:
        headers = {**world.headers(who), **headers}
    async with httpx.AsyncClient() as http:
        return await http.request(method, f"{world.base}{path}", headers=headers, **kwargs)


def _issue(answer: httpx.Response) -> dict:
    assert answer.headers["content-type"].startswith("application/fhir+json")
    issue = fhir_valid(answer.json())["issue"][0]
    assert issue["details"]["text"] and issue["diagnostics"]  # French and English
    return issue


async def test_400_malformed_json_and_invalid_resources(fhir_world):
    answer = await _call(
        fhir_world, "POST", "/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert _issue(answer)["code"] == "invalid"
    invalid = {"resourceType": "Bundle", "type": "transaction", "entry": "many"}
    answer = await _call(fhir_world, "POST", "/", json=invalid)
    assert answer.status_code == 400
    assert "Ressource FHIR invalide" in _issue(answer)["details"]["text"]


async def test_401_without_a_valid_assertion(fhir_world, patient_id):
    answer = await _call(
        fhir_world, "GET", "/DocumentReference", who=None, params={"patient": patient_id}
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert _issue(answer)["code"] == "login"


async def test_403_policy(fhir_world, patient_id):
    answer = await _call(fhir_world, "GET", f"/Patient/{patient_id}", who=NURSE)
    assert answer.status_code == 403
    assert _issue(answer)["code"] == "forbidden"


async def test_404_unknown_resources(fhir_world, patient_id):
    for path in (
        f"/Binary/{MISSING}",
        f"/DocumentReference/{MISSING}",
        "/Binary/nope",
        "/Patient/nope",
    ):
        answer = await _call(fhir_world, "GET", path)
        assert answer.status_code == 404, path
        assert _issue(answer)["code"] == "not-found"


async def test_409_conflict(fhir_world):
    parameters = create_parameters("295109912611193")
    await _call(fhir_world, "POST", "/Patient/$create-dmp", json=parameters)
    answer = await _call(fhir_world, "POST", "/Patient/$create-dmp", json=parameters)
    assert answer.status_code == 409
    assert _issue(answer)["code"] == "conflict"


async def test_413_too_large(fhir_world, patient_id):
    bundle = provide_bundle(patient_id, [{"data": make_pdf(MAX_DOCUMENT_BYTES + 1)}])
    answer = await _call(fhir_world, "POST", "", json=bundle)
    assert answer.status_code == 413
    assert _issue(answer)["code"] == "too-costly"


async def test_415_media_type(fhir_world, patient_id):
    answer = await _call(
        fhir_world,
        "POST",
        "/",
        content=b"<Bundle/>",
        headers={"Content-Type": "application/fhir+xml"},
    )
    assert answer.status_code == 415
    assert _issue(answer)["code"] == "not-supported"


async def test_422_business_rule(fhir_world):
    answer = await _call(
        fhir_world,
        "POST",
        "/Patient/$create-dmp",
        json=create_parameters("186022A21532523", consent=False),
    )
    assert answer.status_code == 422
    assert _issue(answer)["code"] == "business-rule"


async def test_405_for_an_emergency_consent_delete(fhir_world, patient_id):
    answer = await _call(fhir_world, "DELETE", f"/Consent/{patient_id}.btg")
    assert answer.status_code == 405
    assert _issue(answer)["code"] == "not-supported"
