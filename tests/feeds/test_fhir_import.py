"""FHIR patient bundles: the real Synthea bundle of tests/data/public, and small bundles
written here for what Synthea's lacks (an INS, dispensations, unusable documents)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from dmp.dossiers.service import find_living_dossier
from dmp.feeds.dispensations import list_dispensations
from dmp.feeds.fhir_bundle import derive_test_ins, read_bundle
from dmp.feeds.fhir_import import BundleRefused, import_bundle
from dmp.feeds.reimbursements import reimbursement_tables
from dmp.identity.nir import parse_nir
from dmp.kit.clock import FrozenClock
from dmp.runtime import build_runtime
from tests.builders.actors import operator, patient
from tests.builders.feeds import savepoint_factory
from tests.builders.nirs import make_nir

SYNTHEA = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "public"
    / "synthea"
    / "Wally311_Blanda868_879c534d-c512-35c0-58c2-98730ba5f171.json"
)
WALLY = "879c534d-c512-35c0-58c2-98730ba5f171"


@pytest.fixture(scope="module")
def synthea():
    return read_bundle(orjson.loads(SYNTHEA.read_bytes()))


@pytest.fixture
def rt_2021(settings):
    # Synthea's last encounter is on 2021-03-31: its last 24 months are then in the window.
    return build_runtime(settings, clock=FrozenClock(datetime(2021, 6, 1, 12, tzinfo=UTC)))


async def run(session, rt, content, **options):
    options.setdefault("consent", True)
    options.setdefault("allow_test_ins", True)
    return await import_bundle(
        savepoint_factory(session),
        rt=rt,
        creator=operator(),
        content=content,
        name="bundle.json",
        **options,
    )


def test_the_synthea_bundle_is_read_and_nothing_is_dropped_silently(synthea):
    assert synthea.patient.family_name == "Blanda868" and synthea.patient.nir is None
    assert synthea.resources["Observation"] == 193
    assert len(synthea.documents) == 68  # 34 DocumentReference + 34 DiagnosticReport
    assert len(synthea.care_lines) == 85  # the ExplanationOfBenefit items
    skipped = synthea.not_imported
    assert skipped["Observation : type de ressource non pris en charge"] == 193
    assert skipped["Immunization : type de ressource non pris en charge"] == 50
    assert skipped["Claim : lignes reprises de son ExplanationOfBenefit"] == 34
    accounted = len(synthea.documents) + sum(skipped.values()) + 34  # EOBs → lines
    assert accounted == sum(synthea.resources.values()) - 1  # every resource but the Patient


def test_the_test_ins_is_a_valid_nir_and_the_same_every_time(synthea):
    patient_data = synthea.patient
    nir = derive_test_ins(WALLY, birth_date=patient_data.birth_date, sex=patient_data.sex)
    assert parse_nir(nir).value == nir
    assert nir.startswith("19901")  # male, born January 1999
    assert nir == derive_test_ins(WALLY, birth_date=patient_data.birth_date, sex=patient_data.sex)


async def test_the_synthea_patient_gets_a_dossier_documents_and_history(session, rt_2021, synthea):
    report = await run(session, rt_2021, synthea)
    assert report.created and report.ins_generated
    nir = derive_test_ins(WALLY, birth_date=synthea.patient.birth_date, sex=synthea.patient.sex)
    dossier = await find_living_dossier(session, rt=rt_2021, nir=nir)
    assert dossier is not None and dossier.id == report.dossier_id
    documents = report.documents
    assert documents["refused"] == 0
    assert documents["imported"] >= 34
    assert documents["imported"] + documents["already_present"] == 68
    lines = report.lines
    assert lines.stored > 0 and lines.stored + lines.too_old == 85
    tables = await reimbursement_tables(
        session, rt=rt_2021, actor=patient(dossier.id), dossier_id=dossier.id
    )
    assert sum(len(t.rows) for t in tables.tables) == lines.stored

    again = await run(session, rt_2021, synthea)
    assert not again.created and again.dossier_id == report.dossier_id
    assert again.documents["imported"] == 0
    assert again.lines.stored == 0 and again.lines.already_present == lines.stored


async def test_a_patient_without_ins_needs_the_test_ins_option(session, rt_2021, synthea):
    with pytest.raises(BundleRefused, match="--test-ins"):
        await run(session, rt_2021, synthea, allow_test_ins=False)
    with pytest.raises(BundleRefused, match="consentement"):
        await run(session, rt_2021, synthea, consent=False)


def small_bundle(nir: str) -> dict:
    note = base64.b64encode(b"Consultation du jour.\n").decode()
    resources = [
        {
            "resourceType": "Patient",
            "id": "p1",
            "gender": "female",
            "birthDate": "1980-04-02",
            "name": [{"family": "Durand", "given": ["Alice"]}],
            "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": nir}],
            "telecom": [
                {"system": "email", "value": "alice@example.org"},
                {"system": "phone", "value": "06 11 22 33 44"},
            ],
        },
        {
            "resourceType": "DocumentReference",
            "id": "d1",
            "status": "current",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
            "date": "2026-02-01T10:00:00+01:00",
            "content": [{"attachment": {"contentType": "text/plain", "data": note}}],
        },
        {
            "resourceType": "DocumentReference",
            "id": "d2",
            "status": "current",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
            "date": "2026-02-01T10:00:00+01:00",
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "url": "https://example.org/d2.pdf",
                    }
                }
            ],
        },
        {
            "resourceType": "MedicationDispense",
            "id": "m1",
            "status": "completed",
            "whenHandedOver": "2026-02-20",
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.whocc.no/atc",
                        "code": "J07BB02",
                        "display": "Vaccin grippal",
                    }
                ]
            },
            "quantity": {"value": 1},
        },
        {"resourceType": "CarePlan", "id": "c1"},
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


async def test_dispensations_and_unusable_resources_are_reported(session, rt):
    nir = make_nir("2", 80, month=4)
    content = read_bundle(small_bundle(nir))
    report = await run(session, rt, content, allow_test_ins=False)
    assert report.created and not report.ins_generated
    assert report.documents["imported"] == 1
    assert report.not_imported == {
        "DocumentReference : contenu absent ou seulement par URL": 1,
        "CarePlan : type de ressource non pris en charge": 1,
    }
    assert report.dispensations.stored == 1
    [vaccine] = await list_dispensations(
        session, rt=rt, actor=patient(report.dossier_id), dossier_id=report.dossier_id
    )
    assert vaccine.kind == "vaccine" and vaccine.visible_until.year == 2026 + 21
