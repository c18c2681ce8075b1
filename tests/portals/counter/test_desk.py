"""The counter: find a person's DMP state (nothing more), create a DMP with consent and
channels and print the letter, issue and re-issue creation codes with their letter."""

from __future__ import annotations

import subprocess

from tests.builders.nirs import make_nir
from tests.portals.pro.harness import ADULT_NIR, CLOSED_NIR, COUNTER, csrf_in
from tests.portals.pro.test_creation import ADULT


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


async def test_an_agent_signs_in_with_a_code(world, pages):
    from dmp.cli.seed_content import DEMO_PASSWORD

    async with world.client() as client:
        token = csrf_in(await client.get("/guichet/connexion"))
        step = await client.post(
            "/guichet/connexion",
            data={"csrf_token": token, "identifier": COUNTER, "password": DEMO_PASSWORD},
        )
        assert step.status_code == 200 and pages[-1].template == "staff/login_code.html"
        done = await client.post(
            "/guichet/connexion/code",
            data={
                "csrf_token": token,
                "challenge_id": str(pages[-1].context["challenge_id"]),
                "code": world.last_code("guichet.paris11@demo-cpam.example"),
            },
        )
        assert done.status_code == 303 and done.headers["location"] == "/guichet"
        home = await client.get("/guichet")
        assert home.status_code == 200 and pages[-1].template == "counter/home.html"
        assert not pages[-1].context["support"]


async def test_the_state_of_a_dmp_and_nothing_else(world, pages, agent):
    response = await agent.post("/guichet/personne", nir=ADULT_NIR)
    assert response.status_code == 200 and pages[-1].template == "counter/person.html"
    assert set(pages[-1].context) >= {"nir", "summary"}
    assert pages[-1].context["summary"].status == "active"
    assert "Dupont" not in response.text and "1969" not in response.text
    await agent.post("/guichet/personne", nir=CLOSED_NIR)
    assert pages[-1].context["summary"].status == "closed"
    await agent.post("/guichet/personne", nir=make_nir("2", 90))
    assert pages[-1].context["summary"] is None
    wrong = await agent.post("/guichet/personne", nir="295109912611199")
    assert wrong.status_code == 400 and "clé" in pages[-1].context["error"]


async def test_the_agent_creates_a_dmp_and_prints_the_letter(world, pages, agent):
    nir = make_nir("2", 75)
    form = await agent.post("/guichet/creation/formulaire", nir=nir)
    assert form.status_code == 200 and pages[-1].template == "staff/creation_form.html"
    created = await agent.post(
        "/guichet/creation", nir=nir, **(ADULT | {"mobile": "06 12 34 56 78"})
    )
    assert created.status_code == 200 and pages[-1].template == "counter/created.html"
    letter = pages[-1].context["letter"]
    pdf = await agent.post("/guichet/lettre-secrets", **letter)
    text = pdf_text(pdf.content)
    assert letter["login_id"] in text and letter["password"] in text and "Jeanne MARTIN" in text
    # The acknowledgement of creation is sent whatever the channel (notifications engineer).
    again = await agent.post("/guichet/personne", nir=nir)
    assert pages[-1].context["summary"].status == "active" and again.status_code == 200


async def test_a_creation_code_is_issued_then_reissued_with_its_letter(world, pages, agent):
    nir = make_nir("1", 66)
    first = await agent.post("/guichet/code", nir=nir, family_name="Petit", given_names="Jean")
    assert first.status_code == 200 and pages[-1].template == "counter/code_issued.html"
    code = pages[-1].context["code"]
    assert len(code) == 12 and code in first.text
    letter = pages[-1].context["letter"]
    pdf = await agent.post("/guichet/lettre-code", **letter)
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Jean PETIT" in text and " ".join([code[:4], code[4:8], code[8:]]) in text
    second = await agent.post("/guichet/code", nir=nir)
    assert second.status_code == 200 and pages[-1].context["code"] != code
