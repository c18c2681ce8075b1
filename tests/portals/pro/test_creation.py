"""Creating a DMP with the patient present: consent (the patient's, or a legal
representative's for a minor), the secrets letter, and the consent declared to be
authorized on an existing DMP."""

from __future__ import annotations

import subprocess

from tests.builders.nirs import make_nir
from tests.portals.pro.harness import ADULT_NIR, PODIATRIST

ADULT = {
    "family_name": "Martin",
    "given_names": "Jeanne",
    "birth_date": "1985-05-14",
    "sex": "female",
    "consent_by": "holder",
    "email": "jeanne.martin@example.org",
    "consent": "on",
    "btg_consent": "on",
    "etreat_consent": "on",
}


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


async def test_the_gp_creates_a_dmp_and_prints_the_secrets_letter(world, pages, gp):
    nir = make_nir("2", 85)
    form = await gp.post("/pro/creation/formulaire", nir=nir)
    assert form.status_code == 200 and pages[-1].context["form"].values["nir"] == nir
    # The emergency consents are proposed ticked.
    assert 'id="btg_consent" name="btg_consent" value="on" checked' in form.text
    created = await gp.post("/pro/creation", nir=nir, **ADULT)
    assert created.status_code == 200, pages[-1].context.get("form")
    assert pages[-1].template == "pro/created.html"
    letter, dossier = pages[-1].context["letter"], pages[-1].context["dossier_id"]
    assert letter["login_id"] in created.text and letter["password"] in created.text
    assert created.headers["cache-control"] == "no-store"
    pdf = await gp.post("/pro/lettre-secrets", **letter)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    text = pdf_text(pdf.content)
    assert "Jeanne MARTIN" in text and letter["password"] in text and "14/05/1985" in text
    # The creator is authorized: the new DMP opens.
    opened = await gp.get(f"/pro/dmp/{dossier}")
    assert opened.status_code == 200 and pages[-1].context["documents"] == []


async def test_a_minor_needs_the_legal_representative(world, pages, gp):
    nir = make_nir("1", 15)
    minor = ADULT | {"given_names": "Léo", "birth_date": "2015-09-01", "sex": "male"}
    refused = await gp.post("/pro/creation", nir=nir, **minor)
    assert refused.status_code == 422
    assert "représentant légal" in pages[-1].context["form"].errors["consent_by"]
    incomplete = await gp.post(
        "/pro/creation", nir=nir, **(minor | {"consent_by": "legal_representative"})
    )
    assert incomplete.status_code == 400
    assert set(pages[-1].context["form"].errors) == {"rep_family_name", "rep_given_names"}
    created = await gp.post(
        "/pro/creation", nir=nir,
        **(minor | {"consent_by": "legal_representative", "rep_family_name": "Martin",
                    "rep_given_names": "Jeanne", "rep_relation": "mère"}),
    )  # fmt: skip
    assert created.status_code == 200 and pages[-1].context["letter"]["representative"] == "on"


async def test_no_dmp_without_consent_and_errors_sit_by_their_fields(world, pages, gp):
    nir = make_nir("2", 70)
    response = await gp.post(
        "/pro/creation",
        nir=nir,
        **(ADULT | {"consent": "", "email": "pas-un-email", "family_name": ""}),
    )
    assert response.status_code == 400
    errors = pages[-1].context["form"].errors
    assert set(errors) == {"consent", "email", "family_name"}
    assert 'href="#consent"' in response.text and 'aria-invalid="true"' in response.text
    assert pages[-1].context["form"].values["given_names"] == "Jeanne"  # kept as typed


async def test_a_second_dmp_for_the_same_person_is_refused(world, pages, gp):
    response = await gp.post("/pro/creation", nir=ADULT_NIR, **ADULT)
    assert response.status_code == 409
    assert "déjà un DMP" in pages[-1].context["form"].errors["form"]


async def test_declaring_the_patients_consent_authorizes(world, pages):
    podiatrist = await world.professional(PODIATRIST)
    nir = make_nir("1", 60)
    gp_like = await podiatrist.post("/pro/creation", nir=nir, **ADULT)
    assert gp_like.status_code == 200
    # A fresh DMP created by someone else: the podiatrist's colleague must declare it.
    other = await world.professional("810005678901")
    dossier = pages[-1].context["dossier_id"]
    refused = await other.get(f"/pro/dmp/{dossier}")
    assert refused.status_code == 403
    missing = await other.post(f"/pro/dmp/{dossier}/consentement")
    assert missing.status_code == 400
    declared = await other.post(f"/pro/dmp/{dossier}/consentement", present="on")
    assert declared.status_code == 303
    opened = await other.get(declared.headers["location"])
    assert opened.status_code == 200 and pages[-1].context["notice"]
    for person in (podiatrist, other):
        await person.client.aclose()
