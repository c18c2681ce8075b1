"""Adding a note or a file under "Expression libre"; the reimbursement tables."""

from __future__ import annotations

from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.first_feed import demo_history
from dmp.feeds.history_document import render_history_document
from dmp.feeds.reimbursements import store_for_dossier, today
from dmp.policy import Visibility
from tests.builders.documents import PDF, PNG
from tests.portals.patient.helpers import post_form


async def test_a_typed_note_becomes_an_expression_libre_document(portal, marie, pages):
    await marie.client.get("/mon-dmp/ajouter?type=EXPPAT_3")
    assert pages[-1].context["typed"]["type"] == "EXPPAT_3"
    response = await post_form(
        marie.client,
        "/mon-dmp/ajouter",
        marie.csrf,
        type="EXPPAT_3",
        forme="note",
        titre="Mes directives anticipées",
        note="Je refuse l'acharnement thérapeutique.",
        masquer="oui",
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("?fait=ajoute")
    page = await marie.client.get(location)
    document = pages[-1].context["doc"]
    assert (document.type_code, document.patient_category) == ("EXPPAT_3", "Expression libre")
    assert document.visibility == frozenset({Visibility.MASQUE_PS})
    assert pages[-1].context["kind"] == "text" and pages[-1].context["can_delete"]
    assert "Je refuse l&#39;acharnement thérapeutique." in page.text
    # Deleted by its author, the patient: after a confirmation page.
    await marie.client.get(f"/mon-dmp/documents/{document.id}/supprimer")
    assert pages[-1].template == "patient/document_delete.html" and pages[-1].context["own"]
    gone = await post_form(marie.client, f"/mon-dmp/documents/{document.id}/supprimer", marie.csrf)
    assert gone.headers["location"] == "/mon-dmp/documents?fait=supprime"
    assert (await marie.client.get(f"/mon-dmp/documents/{document.id}")).status_code == 404


async def test_files_are_recognised_by_their_content(portal, marie, pages):
    for content, name, mime in (
        (PDF, "compte-rendu.pdf", "application/pdf"),
        (PNG, "photo.png", "image/png"),
    ):
        response = await marie.client.post(
            "/mon-dmp/ajouter",
            data={
                "csrf_token": marie.csrf,
                "type": "DOCPAT09",
                "forme": "fichier",
                "titre": f"Mon fichier {name}",
            },
            files={"fichier": (name, content, "application/octet-stream")},
        )
        assert response.status_code == 303, pages[-1].context.get("errors")
        await marie.client.get(response.headers["location"])
        assert pages[-1].context["doc"].mime == mime


async def test_bad_input_is_named_next_to_each_field_and_nothing_is_added(portal, marie, pages):
    await marie.client.get("/mon-dmp")
    before = pages[-1].context["total"]
    response = await post_form(
        marie.client,
        "/mon-dmp/ajouter",
        marie.csrf,
        type="EXPPAT_2",
        forme="note",
        titre="",
        date="31/02/2025",
        note="",
    )
    assert response.status_code == 422
    errors = pages[-1].context["errors"]
    assert set(errors) == {"titre", "date", "note"}
    assert 'aria-describedby="f-titre-aide f-titre-erreur" aria-invalid="true"' in response.text
    unknown = await marie.client.post(
        "/mon-dmp/ajouter",
        data={"csrf_token": marie.csrf, "type": "EXPPAT_2", "forme": "fichier", "titre": "x"},
        files={"fichier": ("a.bin", b"\x00\x01\xff\xfe", "application/octet-stream")},
    )
    assert unknown.status_code == 422
    assert pages[-1].context["errors"]["fichier"].startswith("Format non accepté")
    await marie.client.get("/mon-dmp")
    assert pages[-1].context["total"] == before


async def test_reimbursement_tables_per_section(portal, marie, pages):
    response = await marie.client.get("/mon-dmp/remboursements")
    assert response.status_code == 200 and pages[-1].context["lines"] == 0
    async with portal.unit_of_work() as session:
        from dmp.dossiers.service import get_dossier

        dossier = await get_dossier(session, marie.dossier_id)
        lines = demo_history(dossier.id, nir="", as_of=today(portal.rt))
        await store_for_dossier(
            session,
            rt=portal.rt,
            actor=ASSURANCE_MALADIE,
            dossier=dossier,
            lines=list(enumerate(lines, start=1)),
        )
        await render_history_document(
            session, rt=portal.rt, actor=ASSURANCE_MALADIE, dossier_id=dossier.id
        )
    response = await marie.client.get("/mon-dmp/remboursements")
    tables = pages[-1].context["tables"]
    assert [t["section"] for t in tables] == [
        "pharmacie",
        "hospitalisation",
        "biologie",
        "soins",
        "radiologie",
    ]
    assert pages[-1].context["lines"] == 12
    pharmacy = tables[0]
    assert pharmacy["headings"][0] == "Date de délivrance"
    assert all(row[-1] in ("Oui", "Non") for row in pharmacy["rows"])
    assert "PARACETAMOL 1 G CPR" in response.text


async def test_a_representative_adds_notes_to_the_minors_dmp(portal, mother, pages):
    response = await post_form(
        mother.client,
        "/mon-dmp/ajouter",
        mother.csrf,
        type="EXPPAT_2",
        forme="note",
        titre="Carnet",
        note="Rougeole : non.",
    )
    assert response.status_code == 303  # a representative manages the minor's DMP
    await mother.client.get(response.headers["location"])
    assert pages[-1].context["doc"].author.name == "Représentant légal"
    assert (
        "Vous (représentant légal)" in (await mother.client.get(response.headers["location"])).text
    )
