""" "Historique des accès" (break-glass highlighted, filters), download of the whole DMP,
closure with its 10-year retention, deletion request, reactivation."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from dmp.cli.seed import PROFESSIONALS
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.policy import AccessMode, Actor, ActorKind
from tests.portals.patient.helpers import post_form

URGENTIST = PROFESSIONALS[1]


async def _break_glass(portal, dossier_id) -> None:
    emergency = Actor(
        kind=ActorKind.PROFESSIONAL,
        id=URGENTIST.national_id,
        display_name="Karim Benali",
        profession="10",
        mode=AccessMode.BREAK_GLASS,
        break_glass_reason="Patiente inconsciente aux urgences",
    )
    async with portal.unit_of_work() as session:
        await search_documents(
            session, rt=portal.rt, actor=emergency, dossier_id=dossier_id, query=DocumentSearch()
        )


async def test_every_trace_with_emergencies_highlighted(portal, marie, pages):
    await _break_glass(portal, marie.dossier_id)
    response = await marie.client.get("/mon-dmp/gestion/historique")
    entries = pages[-1].context["found"].entries
    assert entries[0].action == "dossier:trace:read"  # reading the history is traced too
    emergency = next(e for e in entries if e.emergency)
    assert emergency.actor_name == "Karim Benali"
    assert emergency.break_glass_reason == "Patiente inconsciente aux urgences"
    assert '<tr class="highlight">' in response.text
    assert "Urgence :" in response.text and "bris de glace" in response.text
    assert any(e.action_label.startswith("Création du DMP") for e in entries)

    await marie.client.get("/mon-dmp/gestion/historique?qui=professionnels")
    assert {e.actor_kind for e in pages[-1].context["found"].entries} == {"professional"}
    await marie.client.get("/mon-dmp/gestion/historique?mode=urgence")
    assert {e.mode for e in pages[-1].context["found"].entries} == {"break_glass"}
    await marie.client.get(f"/mon-dmp/gestion/historique?professionnel={URGENTIST.national_id[1:]}")
    assert {e.actor_name for e in pages[-1].context["found"].entries} == {"Karim Benali"}
    tomorrow = (portal.clock.now() + timedelta(days=1)).strftime("%d/%m/%Y")
    await marie.client.get(f"/mon-dmp/gestion/historique?du={tomorrow}")
    assert pages[-1].context["found"].entries == []
    bad = await marie.client.get("/mon-dmp/gestion/historique?du=hier&professionnel=12")
    assert bad.status_code == 422 and set(pages[-1].context["errors"]) == {"du", "professionnel"}


async def test_the_whole_dmp_as_a_zip(portal, marie):
    response = await post_form(marie.client, "/mon-dmp/gestion/telecharger", marie.csrf)
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="mon-dmp-marie-dupont-'
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert (
        "index.html" in archive.namelist() and "metadonnees/bundle-fhir.json" in archive.namelist()
    )
    assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 8
    forged = await marie.client.post("/mon-dmp/gestion/telecharger")
    assert forged.status_code == 403


async def test_closing_explains_the_retention_then_reactivating(portal, marie, pages):
    await marie.client.get("/mon-dmp/gestion/fermeture")
    assert pages[-1].context["years"] == 10
    refused = await post_form(marie.client, "/mon-dmp/gestion/fermeture", marie.csrf)
    assert refused.status_code == 422
    assert set(pages[-1].context["errors"]) == {"donnees", "compris"}
    closed = await post_form(
        marie.client, "/mon-dmp/gestion/fermeture", marie.csrf, donnees="conserver", compris="oui"
    )
    assert closed.headers["location"] == "/mon-dmp/gestion/reactivation?fait=ferme"
    page = await marie.client.get(closed.headers["location"])
    standing = pages[-1].context["standing"]
    assert not standing.active
    assert standing.purge_after.year == portal.clock.now().year + 10
    assert "Ce DMP est fermé." in page.text
    # Closed: the holder still reads and downloads, but changes nothing.
    await marie.client.get("/mon-dmp/documents")
    document = pages[-1].context["found"].items[0]
    assert (await marie.client.get(f"/mon-dmp/documents/{document.id}")).status_code == 200
    assert pages[-1].context["can_change"] is False
    denied = await post_form(
        marie.client, f"/mon-dmp/documents/{document.id}/archivage", marie.csrf, archiver="oui"
    )
    assert denied.status_code == 403
    zipped = await post_form(marie.client, "/mon-dmp/gestion/telecharger", marie.csrf)
    assert zipped.headers["content-type"] == "application/zip"

    asked = await post_form(
        marie.client, "/mon-dmp/gestion/reactivation", marie.csrf, action="demander-suppression"
    )
    assert asked.headers["location"].endswith("fait=suppression-demandee")
    await marie.client.get("/mon-dmp/gestion/reactivation")
    assert pages[-1].context["standing"].deletion_requested
    await post_form(
        marie.client, "/mon-dmp/gestion/reactivation", marie.csrf, action="annuler-suppression"
    )
    without = await post_form(
        marie.client, "/mon-dmp/gestion/reactivation", marie.csrf, action="reactiver"
    )
    assert without.status_code == 422
    back = await post_form(
        marie.client,
        "/mon-dmp/gestion/reactivation",
        marie.csrf,
        action="reactiver",
        consentement="oui",
    )
    assert back.headers["location"] == "/mon-dmp?fait=reactive"
    await marie.client.get("/mon-dmp")
    assert pages[-1].context["standing"].active


async def test_an_idle_session_ends_and_the_portal_says_so(portal, marie, pages):
    assert (await marie.client.get("/mon-dmp")).status_code == 200
    portal.clock.advance(timedelta(minutes=portal.settings.session_idle_minutes + 1))
    response = await marie.client.get("/mon-dmp/documents")
    assert response.headers["location"].startswith("/connexion?expiree=1")
    await marie.client.get(response.headers["location"])
    assert "session a expiré" in pages[-1].context["message"]
