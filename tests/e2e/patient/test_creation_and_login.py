"""Flows 1 and 2 in a real browser: creating one's DMP online in three steps, then
logging in with the code read from the SMTP sink, the first-login password, and the
lockout messages that never reveal an identifier. (``test_without_javascript`` walks the
same forms with JavaScript off; axe-core needs it on.)"""

from __future__ import annotations

import re

from playwright.async_api import expect

from dmp.dossiers.codes import issue_creation_code
from dmp.policy import Actor, ActorKind
from tests.builders.nirs import make_nir
from tests.e2e.conftest import assert_accessible, screenshots
from tests.e2e.patient.steps import in_world, log_in, patient

EMAIL = "paul.lambert@example.org"
AGENT = Actor(kind=ActorKind.COUNTER_AGENT, id="guichet-test", display_name="Accueil CPAM")


async def test_create_a_dmp_online_then_log_in(page, live_server):
    nir = make_nir("1", 58, 11)

    async def issue(session, rt):
        return await issue_creation_code(session, rt=rt, actor=AGENT, nir=nir)

    code = (await in_world(live_server, issue)).code
    browser = page
    await browser.set_viewport_size({"width": 360, "height": 740})
    await browser.goto(live_server.base_url + "/creer-mon-dmp")
    await assert_accessible(browser)
    await screenshots(browser, "patient-creation-1-numeros")
    await browser.get_by_label("Numéro de sécurité sociale").fill(nir)
    await browser.get_by_label("Code de création").fill(code)
    await browser.get_by_label("Ma carte a une photo").check()
    await browser.get_by_label("Numéro de série de la carte Vitale").fill("8250012345")
    await browser.get_by_role("button", name="Continuer").click()

    await expect(browser.locator("h2").first).to_have_text("Étape 2 sur 3 : identité et accord")
    await assert_accessible(browser)
    await browser.get_by_label("Nom de famille", exact=True).fill("Lambert")
    await browser.get_by_label("Prénoms", exact=True).fill("Paul")
    await browser.get_by_label("Jour").fill("3")
    await browser.get_by_label("Mois").fill("11")
    await browser.get_by_label("Année").fill("1958")
    await browser.get_by_label("Homme").check()
    await browser.get_by_label("Adresse e-mail", exact=True).fill(EMAIL)
    await browser.get_by_label("Adresse e-mail, une seconde fois").fill("paul.lambert@exemple.org")
    await browser.get_by_label(re.compile("^J'ai lu et j'accepte")).check()
    await browser.get_by_role("button", name="Créer le DMP").click()
    # A typing mistake is named next to its field; nothing is created.
    error = browser.locator("#f-email2-erreur")
    await expect(error).to_contain_text("ne sont pas identiques")
    await expect(browser.locator("#f-email2")).to_have_attribute("aria-invalid", "true")
    await expect(browser.locator("#f-consentement-erreur")).to_be_visible()
    await assert_accessible(browser)
    await screenshots(browser, "patient-creation-2-erreurs")
    await browser.get_by_label("Adresse e-mail, une seconde fois").fill(EMAIL)
    await browser.get_by_label(re.compile("^Je consens à la création")).check()
    await browser.get_by_label(re.compile("^J'ai lu et j'accepte")).check()
    await browser.get_by_role("button", name="Créer le DMP").click()

    await expect(browser.locator("h2").first).to_have_text("Étape 3 sur 3 : le DMP est créé")
    secrets = browser.locator(".secret-box dd")
    login_id, password = await secrets.nth(0).inner_text(), await secrets.nth(1).inner_text()
    assert login_id.isdigit() and len(password) >= 12
    await assert_accessible(browser)
    await screenshots(browser, "patient-creation-3-identifiants")
    letter = await browser.request.get(
        live_server.base_url + "/creer-mon-dmp/document-des-secrets.pdf"
    )
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.headers["content-disposition"].startswith("inline")
    assert (await letter.body()).startswith(b"%PDF")
    await browser.get_by_role("button", name=re.compile("J'ai noté mes identifiants")).click()
    await expect(browser.locator("h1")).to_have_text("Se connecter à mon DMP")

    # One channel on file: the code goes there at once, then the password is replaced.
    await browser.set_viewport_size({"width": 1280, "height": 900})
    await log_in(
        page, live_server, login_id=login_id, password=password, email=EMAIL, choose_email=False
    )
    await expect(page.locator(".notice.success")).to_contain_text("mot de passe a été changé")
    counts = page.locator(".tiles").first.locator(".count")
    await expect(counts).to_have_count(9)
    await assert_accessible(page)


async def test_login_refusals_and_lockout(page, live_server):
    await page.goto(live_server.base_url + "/connexion")
    await assert_accessible(page)
    await screenshots(page, "patient-connexion")
    closed = patient(live_server, "Dossier fermé").login_id
    for identifier in ("00000000000", closed):
        for attempt in range(3):
            await page.get_by_label("Identifiant").fill(identifier)
            await page.get_by_label("Mot de passe", exact=True).fill("pas le bon")
            await page.get_by_role("button", name="Continuer").click()
            if attempt < 2:
                await expect(page.locator("#f-mot_de_passe-erreur")).to_contain_text(
                    "Identifiant ou mot de passe incorrect."
                )
                await expect(page.locator("#f-mot_de_passe")).to_have_attribute(
                    "aria-invalid", "true"
                )
        # Same words whether the identifier exists or not.
        await expect(page.locator(".notice.error")).to_contain_text(
            "le compte est verrouillé pendant 15 minutes"
        )
    await assert_accessible(page)
    await screenshots(page, "patient-connexion-verrouillee")


async def test_first_login_choosing_the_channel(page, live_server):
    marie = patient(live_server, "Adulte")
    await log_in(
        page,
        live_server,
        login_id=marie.login_id,
        password=marie.initial_password,
        email="marie.dupont@example.org",
        check_pages=True,
    )
    await assert_accessible(page)
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.locator(".notice.success")).to_contain_text("Vous êtes déconnecté")
    # The session is over: the portal asks to log in again.
    await page.goto(live_server.base_url + "/mon-dmp/documents")
    await expect(page.locator("h1")).to_have_text("Se connecter à mon DMP")


async def test_the_other_public_pages_are_accessible(page, live_server):
    for path, title in (
        ("/creer-mon-dmp/demander-un-code", "Obtenir un code de création"),
        ("/creer-mon-dmp/conditions", "Conditions générales d'utilisation"),
        ("/creer-mon-dmp/identifiants", "Créer mon DMP"),
    ):
        await page.goto(live_server.base_url + path)
        await expect(page.locator("h1")).to_have_text(title)
        await assert_accessible(page)
