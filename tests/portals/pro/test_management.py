"""A treating physician manages the DMP for the patient: authorizations and blocks (never
an unblock), the access history with emergencies highlighted, the death that closes the
dossier. Anyone else is refused by the policy."""

from __future__ import annotations

from tests.builders.nirs import make_nir
from tests.portals.pro.harness import ADULT_NIR, EMERGENCY, NURSE, PODIATRIST
from tests.portals.pro.test_creation import ADULT


async def test_the_treating_physician_authorizes_revokes_and_blocks(world, pages, gp):
    dossier = world.dossier_of(ADULT_NIR)
    page = await gp.get(f"/pro/dmp/{dossier}/acces")
    assert page.status_code == 200
    listed = {p.national_id: p for p in pages[-1].context["professionals"]}
    assert listed[NURSE].state.value == "authorized"
    done = await gp.post(
        f"/pro/dmp/{dossier}/acces", operation="authorize", professional_id=PODIATRIST
    )
    assert done.status_code == 303
    await gp.get(done.headers["location"])
    assert pages[-1].context["notice"]
    again = await gp.post(
        f"/pro/dmp/{dossier}/acces", operation="authorize", professional_id=PODIATRIST
    )
    assert again.status_code == 409 and "déjà autorisé" in pages[-1].context["error"]
    revoked = await gp.post(
        f"/pro/dmp/{dossier}/acces", operation="revoke", professional_id=PODIATRIST
    )
    assert revoked.status_code == 303
    blocked = await gp.post(
        f"/pro/dmp/{dossier}/acces", operation="block", professional_id=PODIATRIST
    )
    assert blocked.status_code == 303
    await gp.get(f"/pro/dmp/{dossier}/acces")
    states = {p.national_id: p.state.value for p in pages[-1].context["professionals"] if p.state}
    assert states[PODIATRIST] == "blocked"
    unblock = await gp.post(
        f"/pro/dmp/{dossier}/acces", operation="unblock", professional_id=PODIATRIST
    )
    assert unblock.status_code == 400


async def test_others_are_refused_management(world, pages):
    nurse = await world.professional(NURSE)
    dossier = world.dossier_of(ADULT_NIR)
    for url in ("acces", "historique"):
        refused = await nurse.get(f"/pro/dmp/{dossier}/{url}")
        assert refused.status_code == 403, url
        assert "médecin traitant" in refused.text
    await nurse.client.aclose()


async def test_the_history_highlights_emergency_accesses(world, pages, gp):
    doctor = await world.professional(EMERGENCY)
    dossier = world.dossier_of(ADULT_NIR)
    await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason="Coma", confirm="on")
    page = await gp.get(f"/pro/dmp/{dossier}/historique")
    entries = pages[-1].context["entries"]
    assert any(e.emergency for e in entries)
    assert '<tr class="highlight">' in page.text
    # The reason is the holder's to read, not the managing physician's.
    assert "Coma" not in page.text
    only = await gp.get(f"/pro/dmp/{dossier}/historique?mode=urgence")
    assert only.status_code == 200 and all(e.emergency for e in pages[-1].context["entries"])
    await doctor.client.aclose()


async def test_the_treating_physician_records_the_death_which_closes_the_dmp(world, pages, gp):
    nir = make_nir("1", 40)
    await gp.post("/pro/creation", nir=nir, **ADULT)
    dossier = str(pages[-1].context["dossier_id"])
    await gp.post(f"/pro/dmp/{dossier}/acces", operation="authorize", professional_id=NURSE)
    form = await gp.get(f"/pro/dmp/{dossier}/deces")
    assert form.status_code == 200
    unconfirmed = await gp.post(f"/pro/dmp/{dossier}/deces")
    assert unconfirmed.status_code == 400
    # Creating the DMP made the GP authorized, not its treating physician: the policy
    # lets any professional with normal grounds close; the portal offers it to managers.
    recorded = await gp.post(f"/pro/dmp/{dossier}/deces", confirm="on")
    assert recorded.status_code == 200 and pages[-1].context["summary"].status == "closed"
    await gp.post("/pro/patient", nir=nir)
    assert pages[-1].context["answer"].summary.status == "closed"
    closed = await gp.get(f"/pro/dmp/{dossier}?anciens=1")
    assert closed.status_code == 403
