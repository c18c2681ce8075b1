"""On SQLite a deposit's contents are sealed and stored before its transaction (decision
0012), which takes them; a refused deposit's are removed before the answer goes out, and
those a rolled-back transaction had taken go with the rollback. On both databases a
deposit stores each content once and a refused one leaves none. The store is looked at
directly: a document's content is a file under its dossier's folder."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from dmp.cli.seed import PROFESSIONALS
from tests.fhir.builders import created_ids, new_patient, provide, provide_bundle

GP, EMERGENCY = PROFESSIONALS[0].national_id, PROFESSIONALS[1].national_id


def _contents(world, patient_id: str) -> list[str]:
    folder = world.server.settings.effective_blob_dir / patient_id
    if not folder.exists():
        return []
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


async def _settled(world, patient_id: str, count: int) -> list[str]:
    """The dossier's contents once there are ``count`` (a removal after a rollback runs
    beside the answer), or as they are after two seconds."""
    for _ in range(40):
        found = _contents(world, patient_id)
        if len(found) == count:
            return found
        await asyncio.sleep(0.05)
    return _contents(world, patient_id)


async def _post(world, bundle: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(world.base, json=bundle, headers=headers)


async def test_a_deposit_stores_each_content_once(fhir_world, as_professional):
    patient_id = (await new_patient(as_professional(GP)))["id"]
    answer = await _post(
        fhir_world, provide_bundle(patient_id, [{}, {"title": "second"}]), fhir_world.headers(GP)
    )
    assert answer.status_code == 200, answer.text
    assert len(created_ids(answer.json())) == 2
    assert len(_contents(fhir_world, patient_id)) == 2  # none written twice, none left over


async def test_a_deposit_refused_by_the_policy_leaves_no_content(fhir_world, as_professional):
    gp = as_professional(GP)
    patient_id = (await new_patient(gp))["id"]
    await provide(gp, patient_id, {})
    kept = _contents(fhir_world, patient_id)
    closing = {
        "resourceType": "Parameters",
        "parameter": [{"name": "reason", "valueCode": "patient-request"}],
    }
    await gp.execute(f"Patient/{patient_id}/$close-dmp", data=closing)
    # A closed dossier takes no document: the refusal is traced, and committed.
    answer = await _post(fhir_world, provide_bundle(patient_id, [{}]), fhir_world.headers(GP))
    assert answer.status_code == 403, answer.text
    assert _contents(fhir_world, patient_id) == kept and len(kept) == 1


async def test_a_replacement_by_another_professional_leaves_no_content(fhir_world, as_professional):
    patient_id = (await new_patient(as_professional(GP)))["id"]
    [first] = await provide(as_professional(GP), patient_id, {})
    kept = _contents(fhir_world, patient_id)
    bundle = provide_bundle(patient_id, [{"replaces": first}])
    answer = await _post(fhir_world, bundle, fhir_world.headers(EMERGENCY))
    assert answer.status_code == 403, answer.text
    assert _contents(fhir_world, patient_id) == kept


async def test_a_replayed_deposit_leaves_no_content(fhir_world, as_professional):
    patient_id = (await new_patient(as_professional(GP)))["id"]
    headers = fhir_world.headers(GP)  # one assertion, sent twice
    first = await _post(fhir_world, provide_bundle(patient_id, [{}]), headers)
    assert first.status_code == 200, first.text
    kept = _contents(fhir_world, patient_id)
    again = await _post(fhir_world, provide_bundle(patient_id, [{"title": "again"}]), headers)
    assert again.status_code == 401, again.text
    assert _contents(fhir_world, patient_id) == kept and len(kept) == 1


async def test_a_bundle_undone_by_a_conflict_leaves_only_what_was_there(
    fhir_world, as_professional
):
    """The first document's content was taken and inserted, the second's refused before
    it was: one goes with the rollback, the other before the answer."""
    patient_id = (await new_patient(as_professional(GP)))["id"]
    await provide(as_professional(GP), patient_id, {"unique_id": "urn:oid:1.2.250.1.999.7"})
    kept = _contents(fhir_world, patient_id)
    bundle = provide_bundle(
        patient_id, [{"title": "nouveau"}, {"unique_id": "urn:oid:1.2.250.1.999.7"}]
    )
    answer = await _post(fhir_world, bundle, fhir_world.headers(GP))
    assert answer.status_code == 409, answer.text
    assert await _settled(fhir_world, patient_id, len(kept)) == kept
