"""An assertion is accepted once, whatever became of the request that spent it: the jti
is spent in the request's transaction and, when that transaction is rolled back, again
in a transaction of its own (``dmp.fhir.security.request_credential``)."""

from __future__ import annotations

import httpx
import pytest

from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import new_patient

GP, NURSE = PROFESSIONALS[0].national_id, PROFESSIONALS[3].national_id
MISSING = "0" * 64


@pytest.fixture
async def patient_id(as_professional) -> str:
    return (await new_patient(as_professional(GP)))["id"]


async def _twice(world, method: str, path: str, who: str, **kwargs) -> list[httpx.Response]:
    headers = {**world.headers(who), **kwargs.pop("headers", {})}  # one assertion, sent twice
    async with httpx.AsyncClient() as http:
        return [
            await http.request(method, f"{world.base}{path}", headers=headers, **kwargs)
            for _ in range(2)
        ]


def _replayed(answer: httpx.Response) -> bool:
    codes = [c["code"] for c in answer.json()["issue"][0]["details"]["coding"]]
    return answer.status_code == 401 and "token_replayed" in codes


async def test_a_successful_read_spends_the_assertion(fhir_world, patient_id):
    first, second = await _twice(
        fhir_world, "GET", "/DocumentReference", GP, params={"patient": patient_id}
    )
    assert first.status_code == 200
    assert _replayed(second)


async def test_a_failed_request_still_spends_the_assertion(fhir_world):
    # The request's transaction is rolled back (404, 400): the jti is spent on its own.
    first, second = await _twice(fhir_world, "GET", f"/Binary/{MISSING}", GP)
    assert first.status_code == 404
    assert _replayed(second)
    first, second = await _twice(
        fhir_world,
        "POST",
        "",
        GP,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert first.status_code == 400
    assert _replayed(second)


async def test_a_refused_read_spends_the_assertion(fhir_world, patient_id):
    # A denial commits its trace, and the jti with it.
    first, second = await _twice(fhir_world, "GET", f"/Patient/{patient_id}", NURSE)
    assert first.status_code == 403
    assert _replayed(second)


async def test_a_search_refused_for_its_query_spends_the_assertion(fhir_world, patient_id):
    # The query is read before the spend (decision 0011), its refusal raised after it.
    first, second = await _twice(
        fhir_world, "GET", "/DocumentReference", GP, params={"patient": patient_id, "_count": "x"}
    )
    assert first.status_code == 400
    assert "_count" in first.text
    assert _replayed(second)
