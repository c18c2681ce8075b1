"""What each professional sees: masked documents, declared consent, break-glass and SAMU
regulation, through the API as their software would use it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fhirpy.base.exceptions import ForbiddenError

from dmp.access.service import designate_treating_physician
from dmp.cli.seed import PROFESSIONALS
from dmp.dossiers.administration import set_emergency_consents
from tests.fhir.builders import fhir_valid, new_patient, patient_actor, provide, with_services

GP, EMERGENCY, PHARMACIST = (p.national_id for p in PROFESSIONALS[:3])
NURSE, PODOLOGUE = PROFESSIONALS[3].national_id, PROFESSIONALS[4].national_id
SAMU = PROFESSIONALS[-1].national_id
IDNAT_PS = "urn:oid:1.2.250.1.71.4.2.1"


def declaration(patient_id: str, national_id: str) -> dict:
    """The professional declares the patient's consent: a Consent naming themself."""
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "provision": {
            "type": "permit",
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                            }
                        ]
                    },
                    "reference": {"identifier": {"system": IDNAT_PS, "value": national_id}},
                }
            ],
        },
    }


@pytest.fixture
async def dossier(as_professional):
    """A patient with a normal consultation report and a masked one, by the GP."""
    gp = as_professional(GP)
    patient = await new_patient(gp)
    normal, masked = await provide(
        gp, patient["id"], {"title": "visible"}, {"title": "masqué", "labels": ("MASQUE_PS",)}
    )
    return patient["id"], normal, masked


async def _visible(client, patient_id: str) -> set[str]:
    return {
        r["id"]
        for r in await client.resources("DocumentReference").search(patient=patient_id).fetch_all()
    }


async def test_a_masked_document_is_absent_for_the_pharmacist_present_for_the_treating_physician(
    fhir_world, as_professional, dossier
):
    patient_id, normal, masked = dossier
    pharmacist = as_professional(PHARMACIST)
    created = await pharmacist.execute("Consent", data=declaration(patient_id, PHARMACIST))
    assert fhir_valid(dict(created))["provision"]["type"] == "permit"
    assert await _visible(pharmacist, patient_id) == {normal}
    with pytest.raises(ForbiddenError):
        await pharmacist.reference("Binary", masked).to_resource()

    async def designate(session, rt):
        await designate_treating_physician(
            session,
            rt=rt,
            actor=patient_actor(patient_id),
            dossier_id=uuid.UUID(patient_id),
            professional_id=EMERGENCY,
        )

    await with_services(fhir_world, designate)
    assert await _visible(as_professional(EMERGENCY), patient_id) == {normal, masked}


async def test_an_unauthorized_professional_sees_nothing(as_professional, dossier):
    patient_id, _, _ = dossier
    assert await _visible(as_professional(NURSE), patient_id) == set()


async def test_break_glass_is_allowed_traced_and_notified(as_professional, dossier):
    patient_id, normal, _ = dossier
    emergency = as_professional(EMERGENCY, mode="break_glass", reason="détresse respiratoire")
    bundle = await emergency.execute(
        "DocumentReference", method="get", params={"patient": patient_id}
    )
    matches = {e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"}
    assert matches == {normal}  # masked documents stay hidden: MASKED consent is off
    outcome = next(e for e in bundle["entry"] if e["search"]["mode"] == "outcome")["resource"]
    obligations = {i["details"]["coding"][0]["code"] for i in outcome["issue"]}
    assert {"notify_patient", "break_glass_banner"} <= obligations


async def test_break_glass_is_refused_when_the_patient_opposed(
    fhir_world, as_professional, dossier
):
    patient_id, _, _ = dossier

    async def oppose(session, rt):
        await set_emergency_consents(
            session,
            rt=rt,
            actor=patient_actor(patient_id),
            dossier_id=uuid.UUID(patient_id),
            btg=False,
            etreat=True,
            masked=False,
        )

    await with_services(fhir_world, oppose)
    emergency = as_professional(EMERGENCY, mode="break_glass", reason="urgence vitale")
    with pytest.raises(ForbiddenError) as refused:
        await emergency.resources("DocumentReference").search(patient=patient_id).fetch()
    assert "break_glass_opposed" in str(refused.value)


async def test_regulation_reads_with_the_samu_certificate(fhir_world, dossier):
    patient_id, normal, _ = dossier
    regulator = fhir_world.regulation_client()
    found = await regulator.resources("DocumentReference").search(patient=patient_id).fetch()
    assert {r["id"] for r in found} == {normal}
    async with httpx.AsyncClient() as http:
        answer = await http.get(
            f"{fhir_world.base}/Binary/{normal}", headers=fhir_world.headers(None)
        )
    assert answer.status_code == 200
    assert "notify_patient" in answer.headers["x-dmp-obligations"]


async def test_regulation_mode_needs_the_regulation_certificate(fhir_world, dossier):
    patient_id, _, _ = dossier
    async with httpx.AsyncClient() as http:
        answer = await http.get(
            f"{fhir_world.base}/DocumentReference",
            params={"patient": patient_id},
            headers=fhir_world.headers(SAMU, mode="regulation"),
        )
    assert answer.status_code == 401  # the CPS card is no regulation credential
    assert answer.headers["www-authenticate"].startswith("Bearer")
