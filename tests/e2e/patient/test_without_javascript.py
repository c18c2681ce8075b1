"""Every flow works without JavaScript: plain forms and links, each answered by a
redirect. Walked here on a 360 px phone with JavaScript off (axe-core needs JavaScript,
so the accessibility checks run in the other modules on the same pages)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from dmp.dossiers.codes import issue_creation_code
from dmp.policy import Actor, ActorKind
from tests.builders.nirs import make_nir
from tests.e2e.patient.steps import in_world, log_in, patient

AGENT = Actor(kind=ActorKind.COUNTER_AGENT, id="guichet-test", display_name="Accueil CPAM")


async def test_creation_without_javascript(page_without_js, live_server):
    page = page_without_js
    nir = make_nir("2", 90, 2)

    async def issue(session, rt):
        return await issue_creation_code(session, rt=rt, actor=AGENT, nir=nir)

    code = (await in_world(live_server, issue)).code
    await page.goto(live_server.base_url + "/creer-mon-dmp")
    await page.get_by_label("Numéro de sécurité sociale").fill(nir)
    await page.get_by_label("Code de création").fill(code)
    await page.get_by_label("Ma carte n'a pas de photo").check()
    await page.get_by_label("Numéro de série de la carte Vitale").fill("99887766")
    await page.get_by_role("button", name="Continuer").click()
    await page.get_by_label("Nom de famille", exact=True).fill("Roux")
    await page.get_by_label("Prénoms", exact=True).fill("Anne")
    await page.get_by_label("Jour").fill("21")
    await page.get_by_label("Mois").fill("02")
    await page.get_by_label("Année").fill("1990")
    await page.get_by_label("Numéro de mobile", exact=True).fill("06 98 76 54 32")
    await page.get_by_label("Numéro de mobile, une seconde fois").fill("0698765432")
    await page.get_by_label(re.compile("^J'ai lu et j'accepte")).check()
    await page.get_by_label(re.compile("^Je consens à la création")).check()
    await page.get_by_role("button", name="Créer le DMP").click()
    await expect(page.locator(".secret-box")).to_contain_text("Mot de passe provisoire")


async def test_reading_organising_and_managing_without_javascript(page_without_js, live_server):
    page = page_without_js
    marie = patient(live_server, "Adulte")
    await log_in(
        page,
        live_server,
        login_id=marie.login_id,
        password=marie.initial_password,
        email="marie.dupont@example.org",
    )
    await page.get_by_label("Rechercher un document").fill("ordonnance")
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("link", name=re.compile("^Ordonnance")).click()
    await page.get_by_role("button", name="Archiver ce document").click()
    await expect(page.locator(".notice.success")).to_contain_text("archivé")
    await page.get_by_role("button", name="Remettre dans mes documents courants").click()
    await page.get_by_role("button", name="Masquer aux professionnels").click()
    await expect(page.locator(".notice.success")).to_contain_text("masqué")

    await page.goto(live_server.base_url + "/mon-dmp/ajouter")
    await page.get_by_label("Titre").fill("Note sans JavaScript")
    await page.get_by_label("Votre note (si vous écrivez une note)").fill("Tout fonctionne.")
    await page.get_by_role("button", name="Ajouter à mon DMP").click()
    await expect(page.locator("pre.note")).to_have_text("Tout fonctionne.")

    await page.goto(live_server.base_url + "/mon-dmp/gestion/professionnels")
    await page.get_by_label("Bloquer un professionnel : son numéro RPPS").fill("81000000001")
    await page.get_by_role("button", name="Bloquer", exact=True).click()
    await expect(page.locator(".notice.success")).to_contain_text("bloqué")
    await page.goto(live_server.base_url + "/mon-dmp/gestion/historique")
    await page.get_by_label("Mode d'accès").select_option("normal")
    await page.get_by_role("button", name="Filtrer").click()
    await expect(page.locator("tbody tr").first).to_be_visible()

    await page.goto(live_server.base_url + "/mon-dmp/gestion/fermeture")
    await page.get_by_label(re.compile("^Les détruire dans")).check()
    await page.get_by_label(re.compile("^J'ai compris")).check()
    await page.get_by_role("button", name="Fermer mon DMP").click()
    await expect(page.locator("main")).to_contain_text(
        "Vous avez demandé la destruction de vos données"
    )
    await page.get_by_role("button", name="Annuler ma demande de destruction").click()
    await expect(page.locator(".notice.success")).to_contain_text(
        "demande de suppression est annulée"
    )
    await page.get_by_label(re.compile("^Je donne mon accord")).check()
    await page.get_by_role("button", name="Réactiver mon DMP").click()
    await expect(page.locator(".notice.success")).to_contain_text("de nouveau actif")
