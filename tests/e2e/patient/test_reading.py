"""Flows 3, 4 and 5 in a real browser: the home page's nine categories and lists, search
by words, dates and author; a document page (content shown in the page, download,
selections, archiving, masking, "Qui peut voir ce document ?"); adding a note and a file."""

from __future__ import annotations

import re

from playwright.async_api import expect

from dmp.cli.seed import PROFESSIONALS
from dmp.cli.seed_content import professional_actor
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from tests.builders.documents import CDA, PNG
from tests.e2e.conftest import assert_accessible, screenshots
from tests.e2e.patient.steps import in_world, patient

CATEGORIES = [
    "Données de remboursement",
    "Synthèses",
    "Comptes rendus",
    "Traitements et soins",
    "Imagerie médicale",
    "Biologie",
    "Prévention",
    "Certificats, déclarations",
    "Expression libre",
]


async def test_home_lists_and_search(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp")
    tiles = marie.locator(".tiles").first.locator(".tile-label")
    assert await tiles.all_inner_texts() == CATEGORIES
    biology = marie.get_by_role("link", name=re.compile("^Biologie"))
    await expect(biology).to_contain_text("1")
    await assert_accessible(marie)
    await screenshots(marie, "patient-accueil")

    await marie.get_by_role("link", name=re.compile("^Tous les documents courants")).click()
    await expect(marie.locator(".document-list li")).to_have_count(8)
    await marie.get_by_label("Mots du titre").fill("hypertension")
    await marie.get_by_role("button", name="Rechercher").click()
    await expect(marie.locator(".document-list li")).to_have_count(1)
    await expect(marie.locator(".document-list")).to_contain_text("Consultation de suivi")
    await marie.get_by_role("link", name="Effacer la recherche").click()
    await marie.get_by_label("Auteur (facultatif)").fill("Moreau")
    await marie.get_by_role("button", name="Rechercher").click()
    await expect(marie.locator(".document-list li")).to_have_count(1)
    await marie.get_by_role("link", name="Effacer la recherche").click()
    await marie.get_by_label("Du (facultatif)").fill("01/01/2025")
    await marie.get_by_label("Au (facultatif)").fill("2025-13-40")
    await marie.get_by_role("button", name="Rechercher").click()
    await expect(marie.locator("#f-au-erreur")).to_contain_text("Date incorrecte")
    await assert_accessible(marie)
    await screenshots(marie, "patient-recherche")
    for name in ("Documents récents", "Documents archivés", "Mes sélections"):
        await marie.get_by_role("link", name=name, exact=True).first.click()
        await expect(marie.locator("h1")).to_have_text(name)
    await assert_accessible(marie)
    # English on request, remembered until French is chosen again.
    await marie.goto(live_server.base_url + "/mon-dmp")
    await marie.get_by_role("link", name="English").click()
    await expect(marie.locator("h1")).to_have_text("My DMP")
    assert await marie.locator("html").get_attribute("lang") == "en"
    await marie.get_by_role("link", name="Manage my DMP").click()
    await expect(marie.locator("h1")).to_have_text("Manage my DMP")
    await assert_accessible(marie)
    await marie.get_by_role("link", name="Français").click()
    await expect(marie.locator("h1")).to_have_text("Gestion du DMP")


async def test_a_document_page_and_what_can_be_done_with_it(marie, live_server):
    await marie.goto(live_server.base_url + "/mon-dmp/documents?q=bilan")
    await marie.get_by_role("link", name=re.compile("^Bilan sanguin")).click()
    await expect(marie.locator("h1")).to_have_text("Bilan sanguin — glycémie, lipides, créatinine")
    viewer = marie.locator("object.viewer")
    assert await viewer.get_attribute("type") == "application/pdf"
    content = await marie.request.get(live_server.base_url + await viewer.get_attribute("data"))
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith("inline")
    await expect(marie.locator("dl.meta-list")).to_contain_text("Claire Lefèvre, médecin")
    await assert_accessible(marie)
    await screenshots(marie, "patient-document")

    async with marie.expect_download() as download:
        await marie.get_by_role("link", name="Télécharger le document").click()
    assert (await download.value).suggested_filename.endswith(".pdf")

    await marie.get_by_role("button", name="Ajouter à mes sélections").click()
    await expect(marie.locator(".notice.success")).to_contain_text("ajouté à « Mes sélections »")
    await marie.get_by_role("button", name="Archiver ce document").click()
    await expect(marie.locator(".notice.success")).to_contain_text("archivé")
    await marie.goto(live_server.base_url + "/mon-dmp/documents?vue=archives")
    await expect(marie.locator(".document-list")).to_contain_text("Bilan sanguin")
    await marie.get_by_role("link", name=re.compile("^Bilan sanguin")).click()
    await marie.get_by_role("button", name="Remettre dans mes documents courants").click()
    await expect(marie.locator(".notice.success")).to_contain_text("documents courants")

    await marie.get_by_role("button", name="Masquer aux professionnels").click()
    await expect(marie.locator(".notice.success")).to_contain_text("masqué aux professionnels")
    await marie.get_by_role("link", name="Qui peut voir ce document ?").click()
    nurse = marie.locator(".audience li", has_text="Sophie Moreau")
    await expect(nurse).to_contain_text("Ne peut pas voir ce document")
    await expect(nurse).to_contain_text("Vous avez masqué ce document")
    doctor = marie.locator(".audience li", has_text="Claire Lefèvre")
    await expect(doctor).to_contain_text("Peut voir ce document")
    employer = marie.locator(".audience li", has_text="Employeur")
    await expect(employer).to_contain_text("Jamais")
    await assert_accessible(marie)
    await screenshots(marie, "patient-qui-peut-voir")
    await marie.get_by_role("button", name="Rendre visible aux professionnels").click()
    await expect(marie.locator(".notice.success")).to_contain_text("de nouveau visible")


async def test_cda_and_images_are_shown_in_the_page(marie, live_server):
    marie_dmp = patient(live_server, "Adulte").dossier_id

    async def deposit(session, rt):
        gp = professional_actor(PROFESSIONALS[0])
        cda = await add_document(
            session,
            rt=rt,
            actor=gp,
            dossier_id=marie_dmp,
            upload=DocumentIn(type_code="11488-4", mime="text/xml"),
            content=CDA,
        )
        image = await add_document(
            session,
            rt=rt,
            actor=gp,
            dossier_id=marie_dmp,
            upload=DocumentIn(
                type_code="11488-4",
                mime="image/png",
                title="Photo de la lésion",
                creation_time=rt.clock.now(),
            ),
            content=PNG,
        )
        return cda.id, image.id

    cda_id, image_id = await in_world(live_server, deposit)
    await marie.goto(f"{live_server.base_url}/mon-dmp/documents/{cda_id}")
    await expect(marie.locator(".cda article.cda-document")).to_be_visible()
    await assert_accessible(marie)
    await screenshots(marie, "patient-document-cda")
    await marie.goto(f"{live_server.base_url}/mon-dmp/documents/{image_id}")
    image = marie.get_by_role("img", name="Image du document : Photo de la lésion")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.naturalWidth") > 0


async def test_add_a_note_and_a_file(marie, live_server, tmp_path):
    await marie.goto(live_server.base_url + "/mon-dmp/ajouter")
    await assert_accessible(marie)
    await screenshots(marie, "patient-ajouter")
    await marie.get_by_role("button", name="Ajouter à mon DMP").click()
    await expect(marie.locator("#f-titre-erreur")).to_be_visible()
    await expect(marie.locator("#f-note-erreur")).to_be_visible()
    await assert_accessible(marie)
    await marie.get_by_label("Note ou document personnel").check()
    await marie.get_by_label("Titre").fill("Questions pour ma prochaine consultation")
    await marie.get_by_label("Votre note (si vous écrivez une note)").fill(
        "Puis-je reprendre le sport ?"
    )
    await marie.get_by_role("button", name="Ajouter à mon DMP").click()
    await expect(marie.locator(".notice.success")).to_contain_text("ajouté à votre DMP")
    await expect(marie.locator("pre.note")).to_have_text("Puis-je reprendre le sport ?")
    await expect(marie.locator("dl.meta-list")).to_contain_text("Expression libre")

    photo = tmp_path / "ordonnance.png"
    photo.write_bytes(PNG)
    await marie.goto(live_server.base_url + "/mon-dmp/ajouter")
    await marie.get_by_label("Document administratif").check()
    await marie.get_by_label("Titre").fill("Photo de mon ordonnance")
    await marie.get_by_label(re.compile("^J'envoie un fichier")).check()
    await marie.get_by_label("Votre fichier (si vous envoyez un fichier)").set_input_files(
        str(photo)
    )
    await marie.get_by_role("button", name="Ajouter à mon DMP").click()
    await expect(marie.locator("h1")).to_have_text("Photo de mon ordonnance")
    await expect(
        marie.get_by_role("img", name=re.compile("Photo de mon ordonnance"))
    ).to_be_visible()
    await marie.goto(live_server.base_url + "/mon-dmp")
    await expect(marie.get_by_role("link", name=re.compile("^Expression libre"))).to_contain_text(
        "3"
    )
