"""The counter portal in a real browser: an agent signs in with the code from the mail
sink, creates a DMP for a person present (consent, channels, letter printed), issues and
re-issues creation codes and credentials with their letters, closes and reactivates; the
support line unlocks. No counter page shows medical content; the professional portal
refuses a counter session. axe-core on every page, screenshots of the main ones."""

from __future__ import annotations

from dmp.cli.seed import ADULT_NIR
from dmp.cli.seed_content import LEO_DOCUMENTS, MARIE_DOCUMENTS
from dmp.identity.nir import nir_key
from tests.e2e.conftest import accept_confirmations, assert_accessible, screenshots
from tests.e2e.pro.steps import pdf_text, sign_in

COUNTER, SUPPORT = "guichet.cpam75", "support.dmp"
MEDICAL = {d.title for d in MARIE_DOCUMENTS + LEO_DOCUMENTS}


def nir_of(body: str) -> str:
    return f"{body}{nir_key(body):02d}"


async def _find(page, nir: str) -> None:
    await page.goto(page.url.split("/guichet")[0] + "/guichet")
    await page.fill("#nir", nir)
    await page.get_by_role("button", name="Rechercher").click()


async def _no_medical_content(page) -> None:
    html = await page.content()
    leaked = [title for title in MEDICAL if title in html]
    assert leaked == [], leaked


async def test_create_a_dmp_at_the_counter_and_print_the_letter(page, live_server, tmp_path):
    await page.goto(f"{live_server.base_url}/guichet/connexion")
    await assert_accessible(page)
    await sign_in(page, live_server, "/guichet", COUNTER)
    await assert_accessible(page)
    await screenshots(page, "guichet-accueil")
    nir = nir_of("2850575101051")
    await _find(page, nir)
    assert "n'a pas de DMP" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await screenshots(page, "guichet-personne-sans-dmp")
    await page.get_by_role("button", name="Créer le DMP").click()
    await page.fill("#family_name", "Lambert")
    await page.fill("#given_names", "Sophie")
    await page.fill("#birth_date", "1985-05-20")
    await page.fill("#email", "sophie.lambert@example.org")
    await page.fill("#mobile", "0612345678")
    await page.check("#consent")
    await page.get_by_role("button", name="Créer le DMP").click()
    assert "Le DMP a été créé" in await page.locator("h1").inner_text()
    await assert_accessible(page)
    await screenshots(page, "guichet-dmp-cree")
    login_id = await page.locator(".secret-value").first.inner_text()
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Imprimer le document des secrets (PDF)").click()
    letter = tmp_path / "secrets.pdf"
    await (await download.value).save_as(letter)
    text = pdf_text(str(letter))
    assert login_id in text and "Sophie LAMBERT" in text

    # A creation code for someone else, then a new one that replaces it.
    other = nir_of("1900575101052")
    await _find(page, other)
    await page.fill("#code-family_name", "Moulin")
    await page.get_by_role("button", name="Délivrer un code de création").click()
    code = await page.locator(".secret-value").inner_text()
    await assert_accessible(page)
    await screenshots(page, "guichet-code-creation")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Imprimer le courrier (PDF)").click()
    await (await download.value).save_as(tmp_path / "code.pdf")
    assert code[:4] in pdf_text(str(tmp_path / "code.pdf"))
    await _find(page, other)
    await page.get_by_role("button", name="Délivrer un code de création").click()
    assert await page.locator(".secret-value").inner_text() != code


async def test_credentials_closure_reactivation_and_no_medical_content(page, live_server):
    await sign_in(page, live_server, "/guichet", COUNTER)
    await _find(page, ADULT_NIR)
    assert "a un DMP actif" in await page.locator("main").inner_text()
    await _no_medical_content(page)
    assert "Dupont" not in await page.content()
    await assert_accessible(page)
    await screenshots(page, "guichet-personne-dmp-actif")
    await page.check("#new_login_id")
    await page.get_by_role("button", name="Rééditer les identifiants").click()
    assert "Nouveaux identifiants" in await page.locator("h1").inner_text()
    await _no_medical_content(page)
    await assert_accessible(page)

    await _find(page, ADULT_NIR)
    accept_confirmations(page)  # enhance.js asks for confirmation
    await page.check("#confirm-close")
    await page.get_by_role("button", name="Fermer le DMP").click()
    assert "DMP fermé" in await page.locator("h1").inner_text()
    await assert_accessible(page)
    await _find(page, ADULT_NIR)
    assert "est fermé" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await page.check("#consent")
    await page.get_by_role("button", name="Réactiver le DMP").click()
    assert "DMP réactivé" in await page.locator("h1").inner_text()
    await _no_medical_content(page)

    # A counter session is refused by the professional and patient portals.
    response = await page.goto(f"{live_server.base_url}/pro")
    assert response is not None and response.status == 403
    await assert_accessible(page)
    response = await page.goto(f"{live_server.base_url}/mon-dmp")
    assert response is not None and response.status == 403


async def test_the_support_line_unlocks_accounts(page, live_server):
    await sign_in(page, live_server, "/guichet", SUPPORT)
    await page.get_by_role(
        "link", name="Déverrouiller le compte d'un professionnel ou d'un agent"
    ).click()
    await assert_accessible(page)
    await screenshots(page, "guichet-assistance-deverrouillage")
    await page.fill("#identifier", "810002345678")
    await page.get_by_role("button", name="Déverrouiller").click()
    assert "Compte déverrouillé" in await page.locator("h1").inner_text()
    await _find(page, ADULT_NIR)
    await page.get_by_role("button", name="Déverrouiller seulement le compte").click()
    assert "titulaire de ce DMP est déverrouillé" in await page.locator("main").inner_text()
    await assert_accessible(page)
