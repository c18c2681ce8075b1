"""ITI-67 Find Document References through fhirpy: every search parameter, paging with
next links, sorting, and the handling of parameters the server does not know."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fhirpy.base.exceptions import OperationOutcome

from dmp.cli.seed import PROFESSIONALS
from dmp.identity.nir import INS_NIR_SYSTEM
from tests.builders.documents import traces_of
from tests.fhir.builders import CLASS, VISIBILITY, fhir_valid, new_patient, provide, with_services

GP = PROFESSIONALS[0].national_id


@pytest.fixture
async def filed(as_professional):
    """A patient with three documents of different types, dates, settings and labels."""
    gp = as_professional(GP)
    patient = await new_patient(gp)
    report, vaccines, summary = await provide(
        gp,
        patient["id"],
        {
            "type_code": "11488-4",
            "creation": "2026-01-10T09:00:00+01:00",
            "period": ("2026-01-10T08:00:00+01:00", "2026-01-10T09:00:00+01:00"),
            "setting": "AMBULATOIRE",
        },
        {"type_code": "11369-6", "creation": "2019-06-01T10:00:00+02:00"},
        {
            "type_code": "60591-5",
            "creation": "2025-03-03T10:00:00+01:00",
            "labels": ("INVISIBLE_REPRESENTANTS_LEGAUX",),
        },
    )
    return gp, patient, {"report": report, "vaccines": vaccines, "summary": summary}


async def _ids(search) -> set[str]:
    return {resource["id"] for resource in await search.fetch_all()}


async def test_by_patient_and_by_patient_identifier(filed):
    gp, patient, ids = filed
    by_id = await _ids(gp.resources("DocumentReference").search(patient=f"Patient/{patient['id']}"))
    nir = patient["identifier"][0]["value"]
    by_ins = await _ids(
        gp.resources("DocumentReference").search(
            **{"patient.identifier": f"{INS_NIR_SYSTEM}|{nir}"}
        )
    )
    assert by_id == by_ins == set(ids.values())


async def test_results_are_valid_fhir(filed):
    gp, patient, _ = filed
    bundle = await gp.execute("DocumentReference", method="get", params={"patient": patient["id"]})
    fhir_valid(dict(bundle))
    assert bundle["type"] == "searchset"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "http://loinc.org|11369-6"}, {"vaccines"}),
        ({"type": "11488-4,60591-5"}, {"report", "summary"}),
        ({"category": f"{CLASS}|11"}, {"summary"}),
        ({"category": "10"}, {"report"}),
        ({"creation": "ge2024-01-01"}, {"report", "summary"}),
        ({"creation": "lt2020"}, {"vaccines"}),
        ({"creation": "2026-01"}, {"report"}),
        ({"period": "2026-01-10"}, {"report"}),
        ({"setting": "AMBULATOIRE"}, {"report"}),
        ({"security-label": f"{VISIBILITY}|INVISIBLE_REPRESENTANTS_LEGAUX"}, {"summary"}),
        ({"security-label": "N"}, {"report", "vaccines", "summary"}),
        ({"author.family": "Lefèvre"}, {"report", "vaccines", "summary"}),
        ({"author.given": "Claire", "author.family": "lefevre"}, {"report", "vaccines", "summary"}),
        ({"author.family": "Nguyen"}, set()),
        ({"date": "ge2000-01-01"}, {"report", "vaccines", "summary"}),
        ({"date": "lt2000-01-01"}, set()),
        ({"status": "current"}, {"report", "vaccines", "summary"}),
        ({"status": "entered-in-error"}, set()),
        ({"PDSm_isArchived": "false"}, {"report", "vaccines", "summary"}),
    ],
)
async def test_each_parameter(filed, params, expected):
    gp, patient, ids = filed
    found = await _ids(gp.resources("DocumentReference").search(patient=patient["id"], **params))
    assert found == {ids[name] for name in expected}


async def test_paging_follows_next_links_newest_first(filed):
    gp, patient, ids = filed
    first = await gp.execute(
        "DocumentReference", method="get", params={"patient": patient["id"], "_count": 2}
    )
    assert [e["resource"]["id"] for e in first["entry"]] == [ids["report"], ids["summary"]]
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = await gp.execute(next_url, method="get")
    assert [e["resource"]["id"] for e in second["entry"]] == [ids["vaccines"]]
    assert all(link["relation"] != "next" for link in second["link"])
    # fhirpy follows the same links by itself.
    everything = (
        await gp.resources("DocumentReference").search(patient=patient["id"]).limit(1).fetch_all()
    )
    assert len(everything) == 3


async def test_sort_by_date_of_submission(filed):
    gp, patient, ids = filed
    found = (
        await gp.resources("DocumentReference").search(patient=patient["id"]).sort("-date").fetch()
    )
    assert [r["id"] for r in found] == [ids["summary"], ids["vaccines"], ids["report"]]


async def test_fhirpy_counts_with_total_method_ignored(filed):
    gp, patient, _ = filed
    # fhirpy sends _count=0&_totalMethod=count and reads the total.
    assert await gp.resources("DocumentReference").search(patient=patient["id"]).count() == 3


async def test_unknown_parameters_are_ignored_and_reported(filed):
    gp, patient, _ = filed
    bundle = await gp.execute(
        "DocumentReference", method="get", params={"patient": patient["id"], "colour": "blue"}
    )
    outcome = next(e for e in bundle["entry"] if e["search"]["mode"] == "outcome")["resource"]
    assert "colour" in outcome["issue"][0]["diagnostics"]
    assert len([e for e in bundle["entry"] if e["search"]["mode"] == "match"]) == 3


async def test_unknown_parameters_are_refused_with_strict_handling(fhir_world, filed):
    _, patient, _ = filed
    async with httpx.AsyncClient() as http:
        answer = await http.get(
            f"{fhir_world.base}/DocumentReference",
            params={"patient": patient["id"], "colour": "blue"},
            headers={**fhir_world.headers(GP), "Prefer": "handling=strict"},
        )
    assert answer.status_code == 400
    assert fhir_valid(answer.json())["issue"][0]["code"] == "not-supported"


async def test_a_patient_is_required(as_professional):
    with pytest.raises(OperationOutcome) as refused:
        await as_professional(GP).resources("DocumentReference").search(type="11488-4").fetch()
    assert refused.value.resource["issue"][0]["code"] == "required"


async def test_invalid_values_are_refused(filed):
    gp, patient, _ = filed
    for params in (
        {"creation": "ap2020"},
        {"status": "draft"},
        {"security-label": "V"},
        {"_sort": "title"},
        {"_count": "ten"},
        {"_count": "-1"},
        {"_count": "501"},
    ):
        with pytest.raises(OperationOutcome) as refused:
            await gp.resources("DocumentReference").search(patient=patient["id"], **params).fetch()
        assert refused.value.resource["issue"][0]["code"] == "invalid"


async def test_an_unknown_patient_is_an_empty_searchset(as_professional):
    found = (
        await as_professional(GP)
        .resources("DocumentReference")
        .search(patient="Patient/0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b")
        .fetch()
    )
    assert found == []


async def test_a_total_asked_with_a_page_is_one_search_and_one_trace(fhir_world, filed):
    gp, patient, _ = filed
    dossier_id = uuid.UUID(patient["id"])

    async def traces(session, _rt):
        return [(t.action, t.outcome) for t in await traces_of(session, dossier_id)]

    before = await with_services(fhir_world, traces)
    bundle = await gp.execute(
        "DocumentReference",
        method="get",
        params={"patient": patient["id"], "_count": "1", "_total": "accurate"},
    )
    after = await with_services(fhir_world, traces)
    assert bundle["total"] == 3
    assert len([e for e in bundle["entry"] if e["search"]["mode"] == "match"]) == 1
    assert any(link["relation"] == "next" for link in bundle["link"])
    assert len(after) == len(before) + 1  # the page and its total, traced once
    assert after[-1][1] == "allowed"
