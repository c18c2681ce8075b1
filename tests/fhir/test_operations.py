"""$create-dmp, $close-dmp and $reactivate-dmp, and reading the Patient."""

from __future__ import annotations

import httpx
import pytest
from fhirpy.base.exceptions import OperationOutcome

from dmp.cli.seed import PROFESSIONALS
from dmp.identity.nir import INS_NIR_SYSTEM
from tests.builders.nirs import make_nir
from tests.fhir.builders import create_parameters, fhir_valid, new_patient

GP, EMERGENCY = PROFESSIONALS[0].national_id, PROFESSIONALS[1].national_id


def _extension(resource: dict, name: str) -> dict:
    return next(e for e in resource["extension"] if e["url"].endswith(name))


async def test_create_answers_the_patient_with_the_secrets_letter(fhir_world):
    nir = make_nir(sex="2")
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{fhir_world.base}/Patient/$create-dmp",
            json=create_parameters(nir),
            headers=fhir_world.headers(GP),
        )
    assert answer.status_code == 201, answer.text
    patient = fhir_valid(answer.json())
    assert answer.headers["location"].endswith(f"/fhir/Patient/{patient['id']}")
    assert answer.headers["cache-control"] == "no-store"
    secrets = {e["url"]: e for e in _extension(patient, "dmp-secrets-letter")["extension"]}
    assert secrets["loginId"]["valueString"] and secrets["initialPassword"]["valueString"]
    assert patient["identifier"][0]["value"] == nir


async def test_the_creator_is_authorized_and_reads_the_patient(as_professional):
    gp = as_professional(GP)
    created = await new_patient(gp, family="Durand", given="Alice Marie")
    found = (
        await gp.resources("Patient")
        .search(identifier=f"{INS_NIR_SYSTEM}|{created['identifier'][0]['value']}")
        .fetch()
    )
    access = {
        e["url"]: e["valueBoolean"] for e in _extension(found[0], "dmp-caller-access")["extension"]
    }
    assert access["authorized"] is True
    patient = await gp.reference("Patient", created["id"]).to_resource()
    assert patient["name"][0]["given"] == ["Alice", "Marie"]
    assert "extension" in patient and all("secrets" not in e["url"] for e in patient["extension"])


async def test_creation_needs_consent_and_a_representative_for_a_minor(as_professional):
    gp = as_professional(GP)
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("Patient/$create-dmp", data=create_parameters(make_nir(), consent=False))
    assert refused.value.resource["issue"][0]["code"] == "business-rule"
    minor = create_parameters(make_nir(sex="1", year=15), birth_date="2015-03-02", gender="male")
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("Patient/$create-dmp", data=minor)
    assert refused.value.resource["issue"][0]["details"]["coding"][0]["code"] == (
        "representative_consent_required"
    )
    mother = {
        "resourceType": "RelatedPerson",
        "patient": {"display": "l'enfant"},
        "relationship": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}
                ],
                "text": "mère",
            }
        ],
        "name": [{"family": "Martin", "given": ["Claire"]}],
        "telecom": [{"system": "email", "value": "claire.martin@example.org"}],
    }
    minor["parameter"].append({"name": "legalRepresentative", "resource": mother})
    created = await gp.execute("Patient/$create-dmp", data=minor)
    letter = {e["url"]: e for e in _extension(created, "dmp-secrets-letter")["extension"]}
    assert letter["accountRole"]["valueCode"] == "legal_representative"


async def test_a_second_dmp_for_the_same_person_is_a_conflict(as_professional):
    gp = as_professional(GP)
    nir = make_nir(sex="2")
    await gp.execute("Patient/$create-dmp", data=create_parameters(nir))
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute("Patient/$create-dmp", data=create_parameters(nir))
    assert refused.value.resource["issue"][0]["code"] == "conflict"


async def test_close_and_reactivate(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    reason = {
        "resourceType": "Parameters",
        "parameter": [{"name": "reason", "valueCode": "patient-request"}],
    }
    closed = await gp.execute(f"Patient/{patient['id']}/$close-dmp", data=reason)
    assert closed["active"] is False
    assert _extension(closed, "dmp-status")["valueCode"] == "closed"
    with pytest.raises(OperationOutcome) as refused:
        await gp.execute(f"Patient/{patient['id']}/$close-dmp", data=reason)
    assert refused.value.resource["issue"][0]["code"] == "conflict"
    consent = {
        "resourceType": "Parameters",
        "parameter": [{"name": "consent", "valueBoolean": True}],
    }
    reopened = await gp.execute(f"Patient/{patient['id']}/$reactivate-dmp", data=consent)
    assert fhir_valid(dict(reopened))["active"] is True


async def test_close_needs_a_known_reason(as_professional):
    gp = as_professional(GP)
    patient = await new_patient(gp)
    for reason in ({"name": "reason", "valueCode": "boredom"}, {"name": "other", "valueCode": "x"}):
        with pytest.raises(OperationOutcome) as refused:
            await gp.execute(
                f"Patient/{patient['id']}/$close-dmp",
                data={"resourceType": "Parameters", "parameter": [reason]},
            )
        assert refused.value.resource["issue"][0]["code"] == "required"
