"""Operations on an existing DMP at the counter: new credentials with their letter,
closure on request, reactivation with consent; unlocking accounts is the support line's.
And never any medical content on any counter page; counter sessions are refused by the
professional and patient portals."""

from __future__ import annotations

import subprocess

from dmp.auth.accounts import AccountKind, find_account
from dmp.cli.seed_content import LEO_DOCUMENTS, MARIE_DOCUMENTS
from dmp.db.uow import unit_of_work
from dmp.reference import document_types
from tests.builders.nirs import make_nir
from tests.portals.pro.harness import ADULT_NIR, CLOSED_NIR, MINOR_NIR, SUPPORT
from tests.portals.pro.test_creation import ADULT


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


async def _created(agent, pages, nir):
    await agent.post("/guichet/creation", nir=nir, **ADULT)
    await agent.post("/guichet/personne", nir=nir)
    return pages[-1].context["summary"].dossier_id


async def test_credentials_are_reissued_with_a_new_letter(world, pages, agent):
    nir = make_nir("2", 61)
    dossier = await _created(agent, pages, nir)
    issued = await agent.post(
        f"/guichet/dmp/{dossier}/identifiants", nir=nir, family_name="Martin", new_login_id="on"
    )
    assert issued.status_code == 200 and pages[-1].template == "counter/credentials.html"
    letter = pages[-1].context["letter"]
    assert letter["new_login_id"] == "on" and letter["password"] in issued.text
    text = pdf_text((await agent.post("/guichet/lettre-identifiants", **letter)).content)
    assert letter["login_id"] in text and "MARTIN" in text and "a changé" in text


async def test_closing_on_request_then_reactivating_with_consent(world, pages, agent):
    nir = make_nir("1", 58)
    dossier = await _created(agent, pages, nir)
    unconfirmed = await agent.post(f"/guichet/dmp/{dossier}/fermeture")
    assert unconfirmed.status_code == 400
    closed = await agent.post(f"/guichet/dmp/{dossier}/fermeture", confirm="on")
    assert closed.status_code == 200 and pages[-1].context["summary"].status == "closed"
    assert not pages[-1].context["summary"].deletion_requested
    await agent.post("/guichet/personne", nir=nir)
    assert pages[-1].context["summary"].status == "closed"
    refused = await agent.post(f"/guichet/dmp/{dossier}/reactivation")
    assert refused.status_code == 422
    reactivated = await agent.post(f"/guichet/dmp/{dossier}/reactivation", consent="on")
    assert reactivated.status_code == 200 and pages[-1].context["summary"].status == "active"


async def test_closing_with_a_deletion_request(world, pages, agent):
    dossier = await _created(agent, pages, make_nir("2", 44))
    await agent.post(f"/guichet/dmp/{dossier}/fermeture", confirm="on", delete_data="on")
    assert pages[-1].context["summary"].deletion_requested


async def test_unlocking_is_for_the_support_line(world, pages, agent):
    dossier = world.dossier_of(ADULT_NIR)
    refused = await agent.post(f"/guichet/dmp/{dossier}/deverrouillage")
    assert refused.status_code == 403 and "assistance" in refused.text
    assert (await agent.get("/guichet/assistance/deverrouillage")).status_code == 403
    support = await world.agent(SUPPORT)
    home = await support.get("/guichet")
    assert pages[-1].context["support"] and "/guichet/assistance/deverrouillage" in home.text
    unlocked = await support.post(f"/guichet/dmp/{dossier}/deverrouillage")
    assert unlocked.status_code == 200 and pages[-1].template == "counter/unlocked.html"
    async with unit_of_work(world.app.state.session_factory) as session:
        row = await find_account(session, kind=AccountKind.PROFESSIONAL, identifier="810002345678")
        assert row is not None
        row.failed_attempts, row.locked_until = 3, world.clock.now().replace(year=2027)
    portal = await support.post(
        "/guichet/assistance/deverrouillage", kind="professional", identifier="810002345678"
    )
    assert portal.status_code == 200
    async with unit_of_work(world.app.state.session_factory) as session:
        row = await find_account(session, kind=AccountKind.PROFESSIONAL, identifier="810002345678")
        assert row is not None and row.locked_until is None
    unknown = await support.post(
        "/guichet/assistance/deverrouillage", kind="agent", identifier="personne.inconnue"
    )
    assert unknown.status_code == 404 and pages[-1].context["error"]
    await support.client.aclose()


async def test_no_counter_page_ever_shows_medical_content(world, pages, agent):
    """Walks every counter page on the seeded dossiers (the adult's with its documents,
    the minor's, the closed one) and checks the HTML for any document title or type."""
    seen = []
    for nir in (ADULT_NIR, MINOR_NIR, CLOSED_NIR):
        seen.append(await agent.get("/guichet"))
        seen.append(await agent.post("/guichet/personne", nir=nir))
        summary = pages[-1].context["summary"]
        if summary.status == "active":
            seen.append(
                await agent.post(f"/guichet/dmp/{summary.dossier_id}/identifiants", nir=nir)
            )
    adult = world.dossier_of(ADULT_NIR)
    seen.append(await agent.post(f"/guichet/dmp/{adult}/fermeture", confirm="on"))
    seen.append(await agent.post(f"/guichet/dmp/{adult}/reactivation", consent="on"))
    seen.append(await agent.post("/guichet/creation/formulaire", nir=make_nir("1", 33)))
    seen.append(await agent.post("/guichet/code", nir=make_nir("1", 34)))
    support = await world.agent(SUPPORT)
    seen.append(await support.post(f"/guichet/dmp/{adult}/deverrouillage"))
    await support.client.aclose()
    forbidden = {d.title for d in MARIE_DOCUMENTS + LEO_DOCUMENTS}
    forbidden |= {document_types()[d.type_code].display for d in MARIE_DOCUMENTS + LEO_DOCUMENTS}
    for response in seen:
        assert response.status_code == 200, response.text[:300]
        assert "text/html" in response.headers["content-type"]
        for text in forbidden:
            assert text not in response.text, (text, str(response.url))


async def test_counter_sessions_are_refused_on_professional_and_patient_pages(world, agent):
    dossier = world.dossier_of(ADULT_NIR)
    for url in ("/pro", f"/pro/dmp/{dossier}", f"/pro/dmp/{dossier}/historique"):
        response = await agent.get(url)
        assert response.status_code == 403, url
    # The patient portal refuses whoever is not the holder or a representative.
    for url in ("/mon-dmp", "/mon-dmp/documents", "/mon-dmp/gestion/historique"):
        response = await agent.get(url)
        assert response.status_code == 403, (url, response.status_code)
