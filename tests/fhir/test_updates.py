"""DocumentReference updates by PATCH: deletion by the author (entered-in-error), security
labels, and what may not be changed."""

from __future__ import annotations

import httpx
import pytest
from fhirpy.base.exceptions import ForbiddenError, OperationOutcome

from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import VISIBILITY, fhir_valid, new_patient, provide

GP, EMERGENCY = PROFESSIONALS[0].national_id, PROFESSIONALS[1].national_id
PATCH = {"Content-Type": "application/json-patch+json"}


@pytest.fixture
async def document(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    [document_id] = await provide(gp, patient["id"], {})
    return gp, patient, document_id


async def test_the_author_deletes_with_a_merge_patch(document, as_professional):
    gp, patient, document_id = document
    # fhirpy's patch sends a JSON Merge Patch as application/json.
    deleted = await gp.patch("DocumentReference", document_id, status="entered-in-error")
    assert fhir_valid(dict(deleted))["status"] == "entered-in-error"
    assert await gp.resources("DocumentReference").search(patient=patient["id"]).fetch() == []


async def test_someone_else_cannot_delete(fhir_world, document):
    _, _, document_id = document
    async with httpx.AsyncClient() as http:
        answer = await http.patch(
            f"{fhir_world.base}/DocumentReference/{document_id}",
            json=[{"op": "replace", "path": "/status", "value": "entered-in-error"}],
            headers={**fhir_world.headers(EMERGENCY), **PATCH},
        )
    assert answer.status_code == 403
    assert answer.json()["issue"][0]["code"] == "forbidden"


async def test_the_author_hides_the_document_from_the_patient_by_json_patch(fhir_world, document):
    gp, _, document_id = document
    label = {"coding": [{"system": VISIBILITY, "code": "INVISIBLE_PATIENT"}]}
    async with httpx.AsyncClient() as http:
        answer = await http.patch(
            f"{fhir_world.base}/DocumentReference/{document_id}",
            json=[{"op": "add", "path": "/securityLabel/-", "value": label}],
            headers={**fhir_world.headers(GP), **PATCH},
        )
    assert answer.status_code == 200, answer.text
    codes = {c["code"] for s in answer.json()["securityLabel"] for c in s["coding"]}
    assert codes == {"N", "INVISIBLE_PATIENT"}
    # Lifting it: the label removed from the list.
    reference = await gp.reference("DocumentReference", document_id).to_resource()
    async with httpx.AsyncClient() as http:
        lifted = await http.patch(
            f"{fhir_world.base}/DocumentReference/{document_id}",
            json=[
                {"op": "replace", "path": "/securityLabel", "value": reference["securityLabel"][:1]}
            ],
            headers={**fhir_world.headers(GP), **PATCH},
        )
    assert {c["code"] for s in lifted.json()["securityLabel"] for c in s["coding"]} == {"N"}


async def test_masking_is_for_treating_physicians(document):
    gp, _, document_id = document
    label = {"coding": [{"system": VISIBILITY, "code": "MASQUE_PS"}]}
    with pytest.raises(ForbiddenError):
        await gp.patch("DocumentReference", document_id, securityLabel=[label])


async def test_superseded_and_other_elements_are_not_set_by_hand(document):
    gp, _, document_id = document
    with pytest.raises(OperationOutcome) as refused:
        await gp.patch("DocumentReference", document_id, status="superseded")
    assert "replaces" in refused.value.resource["issue"][0]["diagnostics"]
    with pytest.raises(OperationOutcome) as refused:
        await gp.patch("DocumentReference", document_id, description="autre")
    assert refused.value.resource["issue"][0]["code"] == "business-rule"


async def test_patch_media_types_and_malformed_patches(fhir_world, document):
    _, _, document_id = document
    url = f"{fhir_world.base}/DocumentReference/{document_id}"
    async with httpx.AsyncClient() as http:
        wrong_type = await http.patch(
            url,
            content=b"status=x",
            headers={**fhir_world.headers(GP), "Content-Type": "text/plain"},
        )
        malformed = await http.patch(
            url,
            json=[{"op": "jump", "path": "/status"}],
            headers={**fhir_world.headers(GP), **PATCH},
        )
    assert wrong_type.status_code == 415
    assert malformed.status_code == 400
