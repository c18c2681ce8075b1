"""Flows 6 and 7 in a real browser: the reimbursement tables, then "Gestion du DMP" —
professionals, treating physicians, emergency access, notifications, "Mes informations"
with a contact change confirmed by a code from the SMTP sink, people to call, the access
history with a break-glass access highlighted, the zip download, closure and reactivation."""

from __future__ import annotations

import re
import zipfile

from playwright.async_api import expect

from dmp.cli.seed import PROFESSIONALS
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.dossiers.service import get_dossier
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.first_feed import demo_history
from dmp.feeds.history_document import render_history_document
from dmp.feeds.reimbursements import store_for_dossier, today
from dmp.policy import AccessMode, Actor, ActorKind
from tests.e2e.conftest import assert_accessible, screenshots
from tests.e2e.patient.steps import code_sent_to, in_world, mail_count, patient

PODIATRIST = PROFESSIONALS[4]
NEW_EMAIL = "marie.nouvelle@example.org"


async def test_reimbursement_tables(marie, live_server):
    dossier_id = patient(live_server, "Adulte").dossier_id

    async def feed(session, rt):
        dossier = await get_dossier(session, dossier_id)
        lines = demo_history(dossier.id, nir="", as_of=today(rt))
        await store_for_dossier(
            session,
            rt=rt,
            actor=ASSURANCE_MALADIE,
            dossier=dossier,
            lines=list(enumerate(lines, start=1)),
        )
        await render_history_document(
            session, rt=rt, actor=ASSURANCE_MALADIE, dossier_id=dossier.id
        )

    await in_world(live_server, feed)
    await marie.goto(live_server.base_url + "/mon-dmp/remboursements")
    headings = await marie.locator("main h2").all_inner_texts()
    assert headings == [
        "Pharmacie / fournitures",
        "Hospitalisation",
        "Biologie",
        "Soins médicaux et dentaires",
        "Radiologie",
    ]
    pharmacy = marie.get_by_role("table").first
    await expect(pharmacy.get_by_role("columnheader").first).to_have_text("Date de délivrance")
    await expect(pharmacy).to_contain_text("PARACETAMOL 1 G CPR")
    await assert_accessible(marie)
    await screenshots(marie, "patient-remboursements")
    # The history document cannot be masked, and the page says why.
    await marie.goto(
        live_server.base_url + "/mon-dmp/documents?categorie=Donn%C3%A9es+de+remboursement"
    )
    await marie.locator(".document-list a").first.click()
    await expect(marie.get_by_role("button", name="Masquer aux professionnels")).to_have_count(0)
    await expect(marie.locator(".notice").last).to_contain_text("ne peuvent pas être masquées")


async def test_professionals_and_treating_physicians(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp/gestion")
    await assert_accessible(marie)
    await marie.get_by_role("link", name="Les professionnels de santé").click()
    await expect(marie.locator("main")).to_contain_text("Claire Lefèvre (médecin)")
    await marie.get_by_label("Autoriser un professionnel : son numéro RPPS").fill("123")
    await marie.get_by_role("button", name="Autoriser", exact=True).click()
    await expect(marie.locator("#f-autoriser-erreur")).to_contain_text("Numéro incorrect")
    await assert_accessible(marie)
    await marie.get_by_label("Autoriser un professionnel : son numéro RPPS").fill(
        PODIATRIST.national_id[1:]
    )
    await marie.get_by_role("button", name="Autoriser", exact=True).click()
    await expect(marie.locator(".notice.success")).to_contain_text("maintenant autorisé")
    card = marie.locator(".cards li", has_text="Lucas Girard")
    await card.get_by_role("button", name=re.compile("^Retirer l'autorisation")).click()
    await expect(marie.locator(".notice.success")).to_contain_text(
        "autorisation du professionnel a été retirée"
    )
    await (
        marie.locator(".cards li", has_text="Lucas Girard")
        .get_by_role("button", name=re.compile("^Bloquer"))
        .click()
    )
    await expect(marie.locator(".notice.success")).to_contain_text("est bloqué")
    await expect(marie.locator("h2:has-text('Professionnels bloqués') + ul")).to_contain_text(
        "Lucas Girard"
    )
    await screenshots(marie, "patient-professionnels")
    await (
        marie.locator(".cards li", has_text="Lucas Girard")
        .get_by_role("button", name=re.compile("^Débloquer"))
        .click()
    )
    await expect(marie.locator(".notice.success")).to_contain_text("débloqué")
    await marie.get_by_label("Désigner un médecin traitant DMP : son numéro RPPS").fill(
        PROFESSIONALS[1].national_id
    )
    await marie.get_by_role("button", name="Désigner", exact=True).click()
    await expect(marie.locator("h2:has-text('Médecins traitants DMP') + ul")).to_contain_text(
        "Karim Benali"
    )
    await assert_accessible(marie)


async def test_emergency_access_and_notifications(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp/gestion/urgence")
    await marie.locator("#f-btg").get_by_label("Non, je m'y oppose").check()
    await marie.locator("#f-etreat").get_by_label("Non, je m'y oppose").check()
    await marie.locator("#f-masked").get_by_label("Oui").check()
    await marie.get_by_role("button", name="Enregistrer mes choix").click()
    await expect(marie.locator("#f-masked-erreur")).to_contain_text("bris de glace")
    await assert_accessible(marie)
    await marie.locator("#f-btg").get_by_label("Oui, j'accepte").check()
    await marie.get_by_role("button", name="Enregistrer mes choix").click()
    await expect(marie.locator(".notice.success")).to_contain_text("cas d'urgence sont enregistrés")
    await marie.goto(live_server.base_url + "/mon-dmp/gestion/notifications")
    await marie.get_by_label("Par SMS").uncheck()
    await marie.get_by_role("button", name="Enregistrer").click()
    await expect(marie.locator(".notice.success")).to_contain_text("préférences de notification")
    await expect(marie.get_by_label("Par SMS")).not_to_be_checked()
    await assert_accessible(marie)


async def test_my_information_contact_change_and_people_to_call(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp/gestion/informations")
    await expect(marie.locator("main")).to_contain_text("2 69 05 49 588 157 80")
    await assert_accessible(marie)
    await screenshots(marie, "patient-mes-informations")
    await marie.get_by_role("link", name="Changer mon adresse e-mail").click()
    await marie.get_by_label("Nouvelle adresse e-mail").fill(NEW_EMAIL)
    await marie.get_by_label("Saisissez-la une seconde fois").fill(NEW_EMAIL)
    before = mail_count(live_server, NEW_EMAIL)
    await marie.get_by_role("button", name="Recevoir le code de confirmation").click()
    await expect(marie.locator("h1")).to_have_text("Confirmer ma nouvelle coordonnée")
    await assert_accessible(marie)
    code = await code_sent_to(live_server, NEW_EMAIL, after=before)
    await marie.get_by_label("Code reçu (6 chiffres)").fill(code)
    await marie.get_by_role("button", name="Confirmer").click()
    await expect(marie.locator(".notice.success")).to_contain_text("confirmée et enregistrée")
    await expect(marie.locator("main")).to_contain_text(NEW_EMAIL)

    await marie.goto(live_server.base_url + "/mon-dmp/gestion/contacts-urgence")
    await marie.get_by_label("Nom et prénom").fill("Lucie Dupont")
    await marie.get_by_label("Lien avec vous (facultatif)").fill("fille")
    await marie.get_by_label("Téléphone").fill("06 11 22 33 44")
    await marie.get_by_role("button", name="Ajouter").click()
    await expect(marie.locator(".cards")).to_contain_text("Lucie Dupont")
    await assert_accessible(marie)


async def test_access_history_highlights_break_glass(marie, live_server):
    dossier_id = patient(live_server, "Adulte").dossier_id
    urgentist = PROFESSIONALS[1]

    async def break_glass(session, rt):
        actor = Actor(
            kind=ActorKind.PROFESSIONAL,
            id=urgentist.national_id,
            display_name="Karim Benali",
            profession="10",
            mode=AccessMode.BREAK_GLASS,
            break_glass_reason="Malaise, patiente inconsciente",
        )
        await search_documents(
            session, rt=rt, actor=actor, dossier_id=dossier_id, query=DocumentSearch()
        )

    await in_world(live_server, break_glass)
    await marie.goto(live_server.base_url + "/mon-dmp/gestion/historique")
    emergency = marie.locator("tr.highlight").first
    await expect(emergency).to_contain_text("Karim Benali")
    await expect(emergency).to_contain_text("Urgence : bris de glace")
    await expect(emergency).to_contain_text("Malaise, patiente inconsciente")
    await assert_accessible(marie)
    await screenshots(marie, "patient-historique")
    await marie.get_by_label("Mode d'accès").select_option("urgence")
    await marie.get_by_role("button", name="Filtrer").click()
    rows = marie.locator("tbody tr")
    assert await rows.count() == await marie.locator("tbody tr.highlight").count() >= 1


async def test_download_close_and_reactivate(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp/gestion/telecharger")
    await assert_accessible(marie)
    async with marie.expect_download() as download_info:
        await marie.get_by_role("button", name="Télécharger mon DMP (.zip)").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("mon-dmp-marie-dupont-")
    archive = zipfile.ZipFile(await download.path())
    assert {"index.html", "metadonnees/bundle-fhir.json"} <= set(archive.namelist())

    await marie.goto(live_server.base_url + "/mon-dmp/gestion/fermeture")
    await expect(marie.locator("main")).to_contain_text("conservés, archivés, pendant 10 ans")
    await assert_accessible(marie)
    await screenshots(marie, "patient-fermeture")
    await marie.get_by_role("button", name="Fermer mon DMP").click()
    await expect(marie.locator("#f-compris-erreur")).to_be_visible()
    await marie.get_by_label(re.compile("^Les conserver 10 ans")).check()
    await marie.get_by_label(re.compile("^J'ai compris")).check()
    await marie.get_by_role("button", name="Fermer mon DMP").click()
    await expect(marie.locator("h1")).to_have_text("Votre DMP est fermé")
    await expect(marie.locator(".banner-closed")).to_contain_text("Ce DMP est fermé.")
    await assert_accessible(marie)
    await screenshots(marie, "patient-dmp-ferme")
    await marie.get_by_label(re.compile("^Je donne mon accord")).check()
    await marie.get_by_role("button", name="Réactiver mon DMP").click()
    await expect(marie.locator(".notice.success")).to_contain_text("de nouveau actif")


async def test_password_and_confirmation_pages_are_accessible(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp/gestion/mot-de-passe")
    await marie.get_by_role("button", name="Changer mon mot de passe").click()
    await expect(marie.locator("#f-actuel-erreur")).to_be_visible()
    await assert_accessible(marie)
    await marie.goto(
        live_server.base_url + "/mon-dmp/gestion/informations/coordonnees?canal=mobile"
    )
    await marie.get_by_label("Nouveau numéro de mobile").fill("0512")
    await marie.get_by_label("Saisissez-le une seconde fois").fill("0512")
    await marie.get_by_role("button", name="Recevoir le code de confirmation").click()
    await expect(marie.locator("#f-nouvelle-erreur")).to_contain_text("06 ou 07")
    await assert_accessible(marie)
    await marie.goto(live_server.base_url + "/mon-dmp/documents?categorie=Expression+libre")
    await marie.locator(".document-list a").first.click()
    await marie.get_by_role("link", name="Supprimer ce document").click()
    await expect(marie.locator("h1")).to_have_text("Supprimer ce document ?")
    await assert_accessible(marie)
    await marie.get_by_role("button", name="Oui, supprimer le document").click()
    await expect(marie.locator(".notice.success")).to_contain_text("supprimé")
