"""Finding a patient and reading their DMP as the matrix and the masks allow: the DMP
button's answers, the VSM first, categories, the two-year first view, the document page
and its content, the marker of documents hidden from a minor's representatives."""

from __future__ import annotations

import uuid

from tests.portals.pro.harness import (
    ADULT_NIR,
    CLOSED_NIR,
    MINOR_NIR,
    PHARMACIST,
    PODIATRIST,
)

PSYCHIATRIC = "Hospitalisation en psychiatrie — compte rendu de séjour"


def titles(page):
    return [d.title for d in page.context["documents"]]


async def test_the_dmp_button_answers_for_the_treating_physician(world, pages, gp):
    response = await gp.post("/pro/patient", nir="2 69 05 49 588 157 80")
    assert response.status_code == 200 and pages[-1].template == "pro/button.html"
    answer = pages[-1].context["answer"]
    assert answer.summary.status == "active" and answer.treating_physician
    assert answer.identity["family_name"] == "Dupont"
    assert f'href="/pro/dmp/{answer.summary.dossier_id}"' in response.text


async def test_the_dmp_button_for_no_dmp_a_closed_one_and_a_wrong_key(world, pages, gp):
    await gp.post("/pro/patient", nir="295109912611193")
    assert pages[-1].context["answer"] is None
    await gp.post("/pro/patient", nir=CLOSED_NIR)
    assert pages[-1].context["answer"].summary.status == "closed"
    wrong = await gp.post("/pro/patient", nir="295109912611199")
    assert wrong.status_code == 400 and pages[-1].template == "pro/home.html"
    assert "clé de contrôle incorrecte" in pages[-1].context["error"]
    assert 'aria-invalid="true"' in wrong.text


async def test_the_treating_physician_sees_the_vsm_first_and_masked_documents(world, pages, gp):
    dossier = world.dossier_of(ADULT_NIR)
    response = await gp.get(f"/pro/dmp/{dossier}")
    assert response.status_code == 200, response.text
    context = pages[-1].context
    assert context["vsm"].type_code == "60591-5" and context["manager"]
    assert context["identity"]["given_names"] == "Marie"
    assert PSYCHIATRIC not in titles(pages[-1])  # older than the two-year first view
    counts = {c.category: c.count for c in context["counts"]}
    assert counts["Traitements et soins"] == 1 and counts["Expression libre"] == 1
    assert response.text.index("Volet de synthèse médicale") < response.text.index("Catégories")
    older = await gp.get(f"/pro/dmp/{dossier}?anciens=1")
    assert older.status_code == 200 and PSYCHIATRIC in titles(pages[-1])
    # The vaccination history is shown whatever its age (more than a year here).
    assert "Historique des vaccinations" in titles(pages[-2])


async def test_the_pharmacist_reads_treatments_but_not_the_masked_report(world, pages):
    pharmacist = await world.professional(PHARMACIST)
    dossier = world.dossier_of(ADULT_NIR)
    await pharmacist.get(f"/pro/dmp/{dossier}?anciens=1")
    listed = titles(pages[-1])
    assert "Ordonnance — traitement antihypertenseur" in listed
    assert PSYCHIATRIC not in listed
    await pharmacist.get(f"/pro/dmp/{dossier}?categorie=Traitements%20et%20soins")
    assert titles(pages[-1]) == ["Ordonnance — traitement antihypertenseur"]
    masked_id = await _document_id(world, dossier, PSYCHIATRIC)
    refused = await pharmacist.get(f"/pro/dmp/{dossier}/documents/{masked_id}")
    assert refused.status_code == 403
    assert "masqué aux professionnels" in refused.text
    await pharmacist.client.aclose()


async def test_a_podiatrist_without_authorization_is_offered_consent_or_break_glass(world, pages):
    podiatrist = await world.professional(PODIATRIST)
    dossier = world.dossier_of(ADULT_NIR)
    response = await podiatrist.get(f"/pro/dmp/{dossier}")
    assert response.status_code == 403 and pages[-1].template == "pro/no_access.html"
    assert f"/pro/dmp/{dossier}/bris-de-glace" in response.text
    assert "Hospitalisation" not in response.text and "Ordonnance" not in response.text
    await podiatrist.client.aclose()


async def test_the_document_page_shows_metadata_content_and_download(world, pages, gp):
    dossier = world.dossier_of(ADULT_NIR)
    vsm_id = await _document_id(world, dossier, "Volet de synthèse médicale")
    response = await gp.get(f"/pro/dmp/{dossier}/documents/{vsm_id}")
    assert response.status_code == 200 and pages[-1].template == "pro/document.html"
    assert pages[-1].context["view"] == "pdf" and pages[-1].context["author"]
    assert '<iframe class="viewer"' in response.text
    content = await gp.get(pages[-1].context["content_url"])
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith("inline")
    assert content.headers["cache-control"] == "no-store"
    download = await gp.get(f"/pro/dmp/{dossier}/documents/{vsm_id}/telecharger")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.content.startswith(b"%PDF-")


async def test_a_document_hidden_from_the_representatives_carries_a_marker(world, pages, gp):
    dossier = world.dossier_of(MINOR_NIR)
    await gp.get(f"/pro/dmp/{dossier}")
    assert pages[-1].context["is_minor"]
    confidential = next(
        d for d in pages[-1].context["documents"] if d.title == "Consultation confidentielle"
    )
    response = await gp.get(f"/pro/dmp/{dossier}/documents/{confidential.id}")
    assert pages[-1].context["hidden_from_representatives"]
    assert "Masqué aux représentants légaux" in response.text


async def _document_id(world, dossier, title):
    from dmp.db.uow import unit_of_work
    from dmp.documents.schemas import DocumentSearch
    from dmp.documents.search import search_documents
    from dmp.policy import Actor, ActorKind

    operator_view = Actor(kind=ActorKind.PROFESSIONAL, id="810002345678", profession="10")
    async with unit_of_work(world.app.state.session_factory) as session:
        found = await search_documents(
            session, rt=world.rt, actor=operator_view, dossier_id=uuid.UUID(dossier),
            query=DocumentSearch(title_words=title.split()[0]),
        )  # fmt: skip
    return next(d.id for d in found.items if d.title == title)
