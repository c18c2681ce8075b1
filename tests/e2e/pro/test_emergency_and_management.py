"""Break-glass in a real browser without JavaScript: the emergency physician states a
reason and confirms, reads under a banner; the patient sees the access highlighted in
their history and receives the notice in the local mail sink. Refusals when opposed.
Then the treating physician manages access, reads the history, records the death."""

from __future__ import annotations

from dmp.cli.seed import ADULT_NIR
from tests.e2e.conftest import accept_confirmations, assert_accessible, screenshots
from tests.e2e.pro.steps import sign_in
from tests.e2e.pro.worlds import deliver_notifications, holder_history, patient_session_token

GP, EMERGENCY, PODIATRIST = "810002345678", "810003456789", "810006789012"
REASON = "Patiente inconsciente admise au déchocage"
MARIE_EMAIL = "marie.dupont@example.org"


async def check_with_javascript(browser, page, urls):
    context = await browser.new_context(locale="fr-FR")
    await context.add_cookies(await page.context.cookies())
    checker = await context.new_page()
    for url in urls:
        await checker.goto(url)
        await assert_accessible(checker)
    await context.close()


def marie(live_server):
    return next(c for _, nir, c in live_server.world.patients if nir == ADULT_NIR)


async def test_break_glass_without_javascript_and_what_the_patient_sees(
    page_without_js, live_server, browser
):
    page = page_without_js
    await sign_in(page, live_server, "/pro", EMERGENCY)
    await page.fill("#nir", ADULT_NIR)
    await page.get_by_role("button", name="Rechercher").click()
    assert "pas encore autorisé" in await page.locator("main").inner_text()
    await page.get_by_role("link", name="Accès en urgence (bris de glace)").click()
    await screenshots(page, "pro-bris-de-glace")
    await page.fill("#reason", REASON)
    await page.check("#confirm")
    await page.get_by_role("button", name="Accéder au DMP en urgence").click()
    banner = page.locator(".banner-emergency")
    assert REASON in await banner.inner_text()
    assert "DMP de Marie DUPONT" in await page.locator("h1").inner_text()
    await screenshots(page, "pro-dmp-bris-de-glace")
    # axe-core needs JavaScript: the same session's pages are checked in a JS context.
    await check_with_javascript(browser, page, [page.url])
    await page.get_by_role("link", name="Rechercher un patient").click()
    assert "en cours dans cette session" in await page.locator(".banner-emergency").inner_text()

    # The patient: the access is highlighted in their history...
    entries = holder_history(live_server, marie(live_server).dossier_id).entries
    emergency = [e for e in entries if e.emergency]
    assert emergency and emergency[0].break_glass_reason == REASON
    context = await browser.new_context(locale="fr-FR")
    await context.add_cookies([{
        "name": live_server.settings.session_cookie_name,
        "value": patient_session_token(live_server, marie(live_server).login_id),
        "url": live_server.base_url,
    }])  # fmt: skip
    patient = await context.new_page()
    await patient.goto(f"{live_server.base_url}/mon-dmp/gestion/historique")
    highlighted = patient.locator("tr.highlight")
    assert await highlighted.count() >= 1
    assert "bris de glace" in (await highlighted.first.inner_text()).lower()
    await screenshots(patient, "patient-historique-bris-de-glace")
    await context.close()
    # ... and the notice reaches them by e-mail once the worker has run.
    deliver_notifications(live_server)
    notices = [m for m in live_server.mail.messages() if MARIE_EMAIL in str(m["To"])]
    assert any("urgence" in m.get_content().lower() for m in notices), [
        m["Subject"] for m in notices
    ]


async def test_break_glass_refused_when_the_patient_opposed(page, live_server):
    # A patient created by the podiatrist who refuses break-glass at creation.
    from dmp.identity.nir import nir_key

    body = "1520575101042"
    nir = f"{body}{nir_key(body):02d}"
    await sign_in(page, live_server, "/pro", PODIATRIST)
    await page.fill("#nir", nir)
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("button", name="Créer le DMP de ce patient").click()
    await page.fill("#family_name", "Roux")
    await page.fill("#given_names", "Paul")
    await page.fill("#birth_date", "1952-05-01")
    await page.uncheck("#btg_consent")
    await page.check("#consent")
    await page.get_by_role("button", name="Créer le DMP").click()
    await page.get_by_role("button", name="Se déconnecter").click()

    await sign_in(page, live_server, "/pro", EMERGENCY)
    await page.fill("#nir", nir)
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("link", name="Accès en urgence (bris de glace)").click()
    await assert_accessible(page)
    await page.fill("#reason", REASON)
    await page.check("#confirm")
    accept_confirmations(page)  # the confirmation enhance.js asks
    await page.get_by_role("button", name="Accéder au DMP en urgence").click()
    refusal = await page.locator(".notice.error").inner_text()
    assert "s'est opposé" in refusal
    assert await page.locator(".banner-emergency").count() == 0
    await assert_accessible(page)
    await screenshots(page, "pro-bris-de-glace-refuse")


async def test_the_treating_physician_manages_and_records_a_death(page, live_server):
    from dmp.identity.nir import nir_key

    body = "1400575101043"
    nir = f"{body}{nir_key(body):02d}"
    await sign_in(page, live_server, "/pro", GP)
    await page.goto(f"{live_server.base_url}/pro")
    await page.fill("#nir", ADULT_NIR)
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("link", name="Ouvrir le DMP").click()
    await page.get_by_role("link", name="Gérer les accès").click()
    await page.fill("#professional_id", PODIATRIST)
    await page.get_by_role("button", name="Autoriser", exact=True).last.click()
    assert "maintenant autorisé" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await screenshots(page, "pro-gestion-acces")
    accept_confirmations(page)
    await page.get_by_role("button", name="Bloquer : Lucas Girard").click()
    assert "est bloqué" in await page.locator("main").inner_text()
    await page.get_by_role("link", name="Retour au DMP").click()
    await page.get_by_role("link", name="Historique des accès").click()
    assert await page.locator("tr.highlight").count() >= 1  # the emergency access above
    await assert_accessible(page)

    # A new patient's death, recorded by the GP (who created the DMP with them).
    await page.goto(f"{live_server.base_url}/pro")
    await page.fill("#nir", nir)
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("button", name="Créer le DMP de ce patient").click()
    await page.fill("#family_name", "Blanc")
    await page.fill("#given_names", "Henri")
    await page.fill("#birth_date", "1940-05-02")
    await page.check("#consent")
    await page.get_by_role("button", name="Créer le DMP").click()
    dossier_url = await page.get_by_role("link", name="Ouvrir le DMP").get_attribute("href")
    await page.goto(f"{live_server.base_url}{dossier_url}/deces")
    await assert_accessible(page)
    await page.check("#confirm")
    await page.get_by_role("button", name="Enregistrer le décès et fermer le DMP").click()
    assert "Décès enregistré" in await page.locator("h1").inner_text()
    await page.goto(f"{live_server.base_url}/pro")
    await page.fill("#nir", nir)
    await page.get_by_role("button", name="Rechercher").click()
    assert "est fermé" in await page.locator("main").inner_text()
