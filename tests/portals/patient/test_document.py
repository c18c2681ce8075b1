"""A document page: plain words, content inline, download, selections, archiving,
masking (refused for reimbursement data, with the reason), "Qui peut voir ce document ?"."""

from __future__ import annotations

from dmp.access.audience import Audience
from dmp.cli.seed import PROFESSIONALS
from dmp.cli.seed_content import professional_actor
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.policy import Visibility
from tests.builders.documents import CDA
from tests.portals.patient.helpers import post_form


async def _find(marie, pages, words: str):
    await marie.client.get(f"/mon-dmp/documents?q={words}&vue=courants")
    return pages[-1].context["found"].items[0]


async def _deposit(portal, dossier_id, upload: DocumentIn, content: bytes):
    async with portal.unit_of_work() as session:
        return await add_document(
            session,
            rt=portal.rt,
            actor=professional_actor(PROFESSIONALS[0]),
            dossier_id=dossier_id,
            upload=upload,
            content=content,
        )


async def test_a_pdf_is_described_in_plain_words_and_shown_in_the_page(portal, marie, pages):
    document = await _find(marie, pages, "synthese")
    response = await marie.client.get(f"/mon-dmp/documents/{document.id}")
    assert response.status_code == 200
    context = pages[-1].context
    assert context["kind"] == "pdf" and context["doc"].title == "Volet de synthèse médicale"
    assert context["can_change"] and not context["can_delete"] and not context["reimbursement"]
    assert f'<object data="/mon-dmp/documents/{document.id}/contenu" type="application/pdf"' in (
        response.text
    )
    assert "Claire Lefèvre, médecin, médecine générale, Cabinet du Marais" in response.text
    inline = await marie.client.get(f"/mon-dmp/documents/{document.id}/contenu")
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"] == (
        'inline; filename="volet-de-synthese-medicale.pdf"'
    )
    assert inline.headers["cache-control"] == "no-store"
    assert inline.content.startswith(b"%PDF")
    download = await marie.client.get(f"/mon-dmp/documents/{document.id}/telecharger")
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_a_cda_is_rendered_as_html_never_served_as_xml_inline(portal, marie, pages):
    upload = DocumentIn(type_code="11488-4", mime="text/xml")
    added = await _deposit(portal, marie.dossier_id, upload, CDA)
    response = await marie.client.get(f"/mon-dmp/documents/{added.id}")
    assert pages[-1].context["kind"] == "cda"
    assert '<article class="cda-document"' in response.text
    raw = await marie.client.get(f"/mon-dmp/documents/{added.id}/contenu")
    assert raw.headers["content-type"] == "application/xml"
    assert raw.headers["content-disposition"].startswith("attachment;")


async def test_select_archive_and_unarchive(portal, marie, pages):
    document = await _find(marie, pages, "vaccinations")
    url = f"/mon-dmp/documents/{document.id}"
    response = await post_form(marie.client, url + "/selection", marie.csrf, selectionner="oui")
    assert response.headers["location"] == url + "?fait=selection-ajout"
    await marie.client.get("/mon-dmp/documents?vue=selections")
    assert [d.id for d in pages[-1].context["found"].items] == [document.id]

    response = await post_form(marie.client, url + "/archivage", marie.csrf, archiver="oui")
    assert response.headers["location"] == url + "?fait=archive"
    page = await marie.client.get(response.headers["location"])
    assert "Le document a été archivé" in page.text
    await marie.client.get("/mon-dmp/documents?vue=archives")
    assert [d.id for d in pages[-1].context["found"].items] == [document.id]
    again = await post_form(marie.client, url + "/archivage", marie.csrf, archiver="oui")
    assert again.headers["location"] == url + "?erreur=impossible"
    await post_form(marie.client, url + "/archivage", marie.csrf, archiver="non")
    await post_form(marie.client, url + "/selection", marie.csrf, selectionner="non")
    await marie.client.get("/mon-dmp/documents?vue=archives")
    assert pages[-1].context["found"].items == []


async def test_forms_without_the_sessions_token_change_nothing(portal, marie, pages):
    document = await _find(marie, pages, "ordonnance")
    url = f"/mon-dmp/documents/{document.id}"
    forged = await marie.client.post(url + "/archivage", data={"archiver": "oui"})
    assert forged.status_code == 403
    wrong = await post_form(marie.client, url + "/archivage", "00" * 64, archiver="oui")
    assert wrong.status_code == 403
    await marie.client.get(url)
    assert pages[-1].context["doc"].status.value == "approved"


async def test_masking_and_who_can_see(portal, marie, pages):
    document = await _find(marie, pages, "bilan")
    url = f"/mon-dmp/documents/{document.id}"
    await marie.client.get(url + "/qui-peut-voir")
    entries = pages[-1].context["entries"]
    nurse = next(e for e in entries if e.professional and e.professional.family_name == "Moreau")
    assert nurse.can_see
    response = await post_form(marie.client, url + "/masquage", marie.csrf, masquer="oui")
    assert response.headers["location"] == url + "?fait=masque"
    page = await marie.client.get(url + "/qui-peut-voir")
    entries = pages[-1].context["entries"]
    nurse = next(e for e in entries if e.professional and e.professional.family_name == "Moreau")
    gp = next(e for e in entries if e.professional and e.professional.family_name == "Lefèvre")
    assert not nurse.can_see and gp.can_see
    assert "Vous avez masqué ce document aux professionnels de santé." in page.text
    assert next(e for e in entries if e.audience is Audience.EXCLUDED).can_see is False
    await post_form(marie.client, url + "/masquage", marie.csrf, masquer="non")
    await marie.client.get(url)
    assert Visibility.MASQUE_PS not in pages[-1].context["doc"].visibility


async def test_reimbursement_data_cannot_be_masked_and_the_page_says_why(portal, marie, pages):
    upload = DocumentIn(
        type_code="REMB",
        mime="text/plain",
        title="Remboursements 2025",
        creation_time=portal.clock.now(),
    )
    async with portal.unit_of_work() as session:
        from tests.builders.documents import feed

        added = await add_document(
            session,
            rt=portal.rt,
            actor=feed(),
            dossier_id=marie.dossier_id,
            upload=upload,
            content=b"Pharmacie : 3 lignes",
        )
    url = f"/mon-dmp/documents/{added.id}"
    page = await marie.client.get(url)
    assert pages[-1].context["reimbursement"] and "Masquer aux professionnels" not in page.text
    assert "ne peuvent pas être masquées" in page.text
    forced = await post_form(marie.client, url + "/masquage", marie.csrf, masquer="oui")
    assert forced.headers["location"] == url + "?erreur=non-masquable"
    await marie.client.get(forced.headers["location"])
    assert "éviter les examens en double" in pages[-1].context["problem"]


async def test_a_document_hidden_from_representatives_is_answered_as_missing(
    portal, mother, marie, pages
):
    leo = portal.created("Mineur").dossier_id
    async with portal.unit_of_work() as session:
        from dmp.documents.schemas import DocumentSearch
        from dmp.documents.search import search_documents
        from tests.builders.actors import professional

        gp = professional(PROFESSIONALS[0].national_id)
        found = await search_documents(
            session,
            rt=portal.rt,
            actor=gp,
            dossier_id=leo,
            query=DocumentSearch(title_words="confidentielle"),
        )
    hidden = found.items[0]
    for tail in ("", "/contenu", "/telecharger", "/qui-peut-voir"):
        response = await mother.client.get(f"/mon-dmp/documents/{hidden.id}{tail}")
        assert response.status_code == 404, tail
        assert "confidentielle" not in response.text
    # Another dossier's document is just as missing for Marie.
    assert (await marie.client.get(f"/mon-dmp/documents/{hidden.id}")).status_code == 404
