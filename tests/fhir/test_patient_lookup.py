"""The DMP button through fhirpy: does this patient have a DMP, and what am I to it."""

from __future__ import annotations

import pytest
from fhirpy.base.exceptions import OperationOutcome

from dmp.cli.seed import ADULT_NIR, CLOSED_NIR, PROFESSIONALS
from dmp.identity.nir import INS_NIR_SYSTEM
from tests.builders.nirs import make_nir

GP, EMERGENCY = (p.national_id for p in PROFESSIONALS[:2])
DENTIST = PROFESSIONALS[5].national_id  # no relation to the seeded patients


def _access(patient) -> dict[str, bool]:
    relation = next(e for e in patient["extension"] if e["url"].endswith("dmp-caller-access"))
    return {item["url"]: item["valueBoolean"] for item in relation["extension"]}


async def test_the_creating_gp_sees_an_active_dmp_and_is_authorized(as_professional):
    patients = (
        await as_professional(GP)
        .resources("Patient")
        .search(identifier=f"{INS_NIR_SYSTEM}|{ADULT_NIR}")
        .fetch()
    )
    assert len(patients) == 1
    patient = patients[0]
    assert patient["active"] is True
    assert _access(patient)["authorized"] is True
    assert patient["name"][0]["family"] == "Dupont"


async def test_an_unrelated_professional_learns_the_status_but_not_the_identity(as_professional):
    patients = (
        await as_professional(DENTIST)
        .resources("Patient")
        .search(identifier=f"{INS_NIR_SYSTEM}|{ADULT_NIR}")
        .fetch()
    )
    patient = patients[0]
    assert _access(patient) == {
        "authorized": False,
        "blocked": False,
        "treatingPhysician": False,
        "administrator": False,
    }
    assert "name" not in patient and "birthDate" not in patient


async def test_a_closed_dmp_is_reported_closed(as_professional):
    patients = (
        await as_professional(EMERGENCY)
        .resources("Patient")
        .search(identifier=f"{INS_NIR_SYSTEM}|{CLOSED_NIR}")
        .fetch()
    )
    assert patients[0]["active"] is False


async def test_no_dmp_is_an_empty_searchset(as_professional):
    patients = (
        await as_professional(GP)
        .resources("Patient")
        .search(identifier=f"{INS_NIR_SYSTEM}|{make_nir()}")
        .fetch()
    )
    assert patients == []


async def test_a_malformed_nir_is_an_operation_outcome(as_professional):
    with pytest.raises(OperationOutcome) as refused:
        await (
            as_professional(GP)
            .resources("Patient")
            .search(identifier=f"{INS_NIR_SYSTEM}|295109912611199")
            .fetch()
        )
    outcome = refused.value.resource
    assert outcome["issue"][0]["code"] == "invalid"
    assert "clé de contrôle" in outcome["issue"][0]["details"]["text"]
