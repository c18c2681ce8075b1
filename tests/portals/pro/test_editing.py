"""Feeding the DMP: the GP adds a VSM to a DMP they just created, replaces it, hides a
result from the patient pending the announcement and lifts it, hides a document from a
minor's representatives, masks as treating physician; deletion by the author only."""

from __future__ import annotations

from dmp.kit.pdf import text_pdf
from tests.builders.nirs import make_nir
from tests.portals.pro.harness import ADULT_NIR, MINOR_NIR, NURSE
from tests.portals.pro.test_creation import ADULT

VSM_PDF = text_pdf("Volet de synthèse médicale", ["Allergies : aucune connue."])


async def _new_patient(gp, pages) -> str:
    await gp.post("/pro/creation", nir=make_nir("2", 80), **ADULT)
    return str(pages[-1].context["dossier_id"])


async def _upload(person, dossier, *, type_code="60591-5", title="", **extra):
    return await person.post(
        f"/pro/dmp/{dossier}/documents/ajout",
        files={"file": ("vsm.pdf", VSM_PDF, "application/pdf")},
        type_code=type_code, title=title, creation_date="2026-03-01", **extra,
    )  # fmt: skip


async def test_the_gp_adds_a_vsm_with_metadata_from_the_reference_lists(world, pages, gp):
    dossier = await _new_patient(gp, pages)
    form = await gp.get(f"/pro/dmp/{dossier}/documents/ajout")
    assert form.status_code == 200
    choices = dict(pages[-1].context["choices"])
    assert ("60591-5", "Synthèse médicale") in choices["Synthèses"]
    assert "Données de remboursement" not in choices and "Expression libre" not in choices
    added = await _upload(gp, dossier)
    assert added.status_code == 200 and pages[-1].template == "pro/deposited.html"
    document = pages[-1].context["document"]
    assert (document.type_code, document.title) == ("60591-5", "Synthèse médicale")
    await gp.get(f"/pro/dmp/{dossier}")
    assert pages[-1].context["vsm"].id == document.id


async def test_an_upload_that_is_not_what_it_claims_is_refused_with_the_form_kept(world, pages, gp):
    dossier = await _new_patient(gp, pages)
    refused = await gp.post(
        f"/pro/dmp/{dossier}/documents/ajout",
        files={"file": ("note.pdf", b"not a pdf at all", "application/pdf")},
        type_code="11488-4", title="Consultation", creation_date="2026-03-01",
    )  # fmt: skip
    assert refused.status_code in (400, 415, 422)
    assert pages[-1].template == "pro/upload.html" and pages[-1].context["error"]
    assert pages[-1].context["values"]["title"] == "Consultation"
    unknown = await _upload(gp, dossier, type_code="NOPE")
    assert unknown.status_code == 400


async def test_replace_hide_from_patient_lift_and_delete_ones_own_document(world, pages, gp):
    dossier = await _new_patient(gp, pages)
    await _upload(gp, dossier, type_code="11502-2", title="Bilan", invisible_patient="on")
    first = pages[-1].context["document"]
    assert {v.value for v in first.visibility} == {"INVISIBLE_PATIENT"}
    page = await gp.get(f"/pro/dmp/{dossier}/documents/{first.id}")
    actions = {a["code"]: a["on"] for a in pages[-1].context["visibility_actions"]}
    assert actions["INVISIBLE_PATIENT"] is False  # offered: make it visible
    assert "Pas encore visible par le patient" in page.text
    lifted = await gp.post(
        f"/pro/dmp/{dossier}/documents/{first.id}/visibilite", code="INVISIBLE_PATIENT", on="0"
    )
    assert lifted.status_code == 303
    await gp.get(lifted.headers["location"])
    assert pages[-1].context["document"].visibility == frozenset()
    replaced = await gp.post(
        f"/pro/dmp/{dossier}/documents/{first.id}/remplacement",
        files={"file": ("b.pdf", VSM_PDF, "application/pdf")},
        type_code="11502-2", title="Bilan corrigé", creation_date="2026-03-01",
    )  # fmt: skip
    assert replaced.status_code == 303
    await gp.get(replaced.headers["location"])
    new = pages[-1].context["document"]
    assert (new.title, new.version, new.replaces_id) == ("Bilan corrigé", 2, first.id)
    unconfirmed = await gp.post(f"/pro/dmp/{dossier}/documents/{new.id}/suppression")
    assert unconfirmed.status_code == 400
    deleted = await gp.post(f"/pro/dmp/{dossier}/documents/{new.id}/suppression", confirm="on")
    assert deleted.status_code == 303
    await gp.get(deleted.headers["location"])
    assert pages[-1].context["notice"] and pages[-1].context["documents"] == []


async def test_only_the_author_replaces_or_deletes(world, pages, gp):
    nurse = await world.professional(NURSE)
    dossier = world.dossier_of(ADULT_NIR)
    await gp.get(f"/pro/dmp/{dossier}")
    vsm = pages[-1].context["vsm"]
    page = await nurse.get(f"/pro/dmp/{dossier}/documents/{vsm.id}")
    assert page.status_code == 200 and not pages[-1].context["author"]
    assert "suppression" not in page.text and "remplacement" not in page.text
    refused = await nurse.post(f"/pro/dmp/{dossier}/documents/{vsm.id}/suppression", confirm="on")
    assert refused.status_code == 403 and "auteur" in refused.text
    await nurse.client.aclose()


async def test_hiding_from_a_minors_representatives_and_masking_as_treating_physician(
    world, pages, gp
):
    minor = world.dossier_of(MINOR_NIR)
    await gp.get(f"/pro/dmp/{minor}")
    vaccination = next(d for d in pages[-1].context["documents"] if "ROR" in d.title)
    # Not the GP's own document and the GP is only authorized on Léo's DMP: no switch.
    await gp.get(f"/pro/dmp/{minor}/documents/{vaccination.id}")
    assert pages[-1].context["visibility_actions"] == []
    await _upload(
        gp, minor, type_code="11488-4", title="Consultation", invisible_representatives="on"
    )
    document = pages[-1].context["document"]
    page = await gp.get(f"/pro/dmp/{minor}/documents/{document.id}")
    assert "Masqué aux représentants légaux" in page.text
    # On Marie's DMP the GP is treating physician: masking is offered and works.
    adult = world.dossier_of(ADULT_NIR)
    await gp.get(f"/pro/dmp/{adult}")
    note = next(d for d in pages[-1].context["documents"] if d.title.startswith("Suivi de soins"))
    await gp.get(f"/pro/dmp/{adult}/documents/{note.id}")
    assert {a["code"] for a in pages[-1].context["visibility_actions"]} >= {"MASQUE_PS"}
    masked = await gp.post(
        f"/pro/dmp/{adult}/documents/{note.id}/visibilite", code="MASQUE_PS", on="1"
    )
    assert masked.status_code == 303
    nurse = await world.professional(NURSE)
    hidden = await nurse.get(f"/pro/dmp/{adult}/documents/{note.id}")
    assert hidden.status_code == 200  # the nurse wrote it: authors keep their documents
    await gp.post(f"/pro/dmp/{adult}/documents/{note.id}/visibilite", code="MASQUE_PS", on="0")
    await nurse.client.aclose()
