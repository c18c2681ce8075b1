"""Consent: a professional declares the patient's consent; treating physicians read and
change authorizations, blocks and emergency consents; AuditEvents in the BALP shape."""

from __future__ import annotations

import uuid

import pytest
from fhirpy.base.exceptions import ForbiddenError, OperationOutcome

from dmp.access.service import designate_treating_physician
from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import fhir_valid, new_patient, patient_actor, provide, with_services
from tests.fhir.test_access import declaration

GP, EMERGENCY, PHARMACIST, NURSE = (p.national_id for p in PROFESSIONALS[:4])


@pytest.fixture
async def managed(fhir_world, as_professional):
    """A patient whose treating physician is the emergency physician (set by the patient)."""
    patient = await new_patient(as_professional(GP))
    patient_id = patient["id"]

    async def designate(session, rt):
        await designate_treating_physician(
            session,
            rt=rt,
            actor=patient_actor(patient_id),
            dossier_id=uuid.UUID(patient_id),
            professional_id=EMERGENCY,
        )

    await with_services(fhir_world, designate)
    return patient_id, as_professional(EMERGENCY)


def emergency(patient_id: str, code: str, permit: bool) -> dict:
    consent = declaration(patient_id, "0")
    system = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    consent["provision"] = {
        "type": "permit" if permit else "deny",
        "purpose": [{"system": system, "code": code}],
    }
    return consent


async def _consents(client, patient_id: str) -> dict[str, dict]:
    found = await client.resources("Consent").search(patient=f"Patient/{patient_id}").fetch()
    return {c["id"].split(".", 1)[1]: fhir_valid(c.serialize()) for c in found}


async def test_a_declared_consent_authorizes_and_is_listed(as_professional, managed):
    patient_id, physician = managed
    nurse = as_professional(NURSE)
    created = await nurse.execute("Consent", data=declaration(patient_id, NURSE))
    assert created["id"] == f"{patient_id}.auth.{NURSE}"
    consents = await _consents(physician, patient_id)
    assert consents[f"auth.{NURSE}"]["provision"]["type"] == "permit"
    assert consents[f"auth.{GP}"]["status"] == "active"  # the creating GP
    assert (
        consents[f"pcp.{EMERGENCY}"]["provision"]["actor"][0]["role"]["coding"][0]["code"] == "PCP"
    )
    assert {k for k in consents if "." not in k} == {"btg", "etreat", "masked"}


async def test_the_treating_physician_blocks_and_authorizes(as_professional, managed):
    patient_id, physician = managed
    await physician.execute("Consent", data=declaration(patient_id, PHARMACIST) | {})
    blocked = declaration(patient_id, NURSE)
    blocked["provision"]["type"] = "deny"
    answer = await physician.execute("Consent", data=blocked)
    assert answer["id"] == f"{patient_id}.block.{NURSE}"
    consents = await _consents(physician, patient_id)
    assert consents[f"auth.{PHARMACIST}"]["provision"]["type"] == "permit"
    # The blocked nurse can no longer declare consent, nor read.
    with pytest.raises(ForbiddenError):
        await as_professional(NURSE).execute("Consent", data=declaration(patient_id, NURSE))
    # Only the patient unblocks.
    with pytest.raises(ForbiddenError):
        await physician.delete("Consent", f"{patient_id}.block.{NURSE}")


async def test_revoking_an_authorization_by_delete(as_professional, managed):
    patient_id, physician = managed
    await physician.delete("Consent", f"{patient_id}.auth.{GP}")
    consents = await _consents(physician, patient_id)
    assert consents[f"auth.{GP}"]["status"] == "inactive"
    assert (
        await as_professional(GP).resources("DocumentReference").search(patient=patient_id).fetch()
        == []
    )


async def test_emergency_consents_are_changed_by_the_treating_physician(as_professional, managed):
    patient_id, physician = managed
    await physician.execute("Consent", data=emergency(patient_id, "BTG", False))
    consents = await _consents(physician, patient_id)
    assert consents["btg"]["provision"]["type"] == "deny"
    assert consents["etreat"]["provision"]["type"] == "permit"
    btg = as_professional(PHARMACIST, mode="break_glass", reason="malaise")
    with pytest.raises(ForbiddenError):
        await btg.resources("DocumentReference").search(patient=patient_id).fetch()


async def test_masked_consent_needs_an_emergency_consent(managed):
    patient_id, physician = managed
    await physician.execute("Consent", data=emergency(patient_id, "BTG", False))
    await physician.execute("Consent", data=emergency(patient_id, "ETREAT", False))
    masked = emergency(patient_id, "MASKED", True)
    with pytest.raises(OperationOutcome) as refused:
        await physician.execute("Consent", data=masked)
    assert refused.value.resource["issue"][0]["code"] == "business-rule"


async def test_others_cannot_read_or_change_the_consents(as_professional, managed):
    patient_id, _ = managed
    gp = as_professional(GP)  # authorized, not treating physician
    with pytest.raises(ForbiddenError):
        await gp.resources("Consent").search(patient=patient_id).fetch()
    with pytest.raises(ForbiddenError):
        await gp.execute("Consent", data=emergency(patient_id, "ETREAT", False))


async def test_audit_events_for_the_treating_physician(as_professional, managed):
    patient_id, physician = managed
    gp = as_professional(GP)
    [document_id] = await provide(gp, patient_id, {})
    await gp.reference("Binary", document_id).to_resource()
    events = await physician.resources("AuditEvent").search(patient=patient_id).fetch_all()
    resources = [fhir_valid(e.serialize()) for e in events]
    read = next(e for e in resources if e["subtype"][0]["code"] == "dossier:document:read")
    assert read["agent"][0]["who"]["identifier"]["value"] == GP
    assert read["entity"][1]["what"]["reference"] == f"DocumentReference/{document_id}"
    assert read["outcome"] == "0"
    assert resources[0]["recorded"] >= resources[-1]["recorded"]  # newest first
    # The GP reads no traces: that belongs to the holder and the managers.
    with pytest.raises(ForbiddenError):
        await gp.resources("AuditEvent").search(patient=patient_id).fetch()
