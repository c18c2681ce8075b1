"""The e-CPS-style login: national id and password, a one-time code by e-mail, then the
session; refusals in plain words; strangers and other portals' sessions kept out."""

from __future__ import annotations

from dmp.cli.seed_content import DEMO_PASSWORD
from tests.portals.pro.harness import COUNTER, GP, csrf_in

GP_EMAIL = "claire.lefevre@demo-sante.example"


async def test_a_professional_signs_in_with_a_code_sent_by_email(world, pages):
    async with world.client() as client:
        page = await client.get("/pro/connexion")
        assert page.status_code == 200 and pages[-1].template == "staff/login.html"
        assert page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        token = csrf_in(page)
        step = await client.post(
            "/pro/connexion",
            data={"csrf_token": token, "identifier": GP, "password": DEMO_PASSWORD},
        )
        assert step.status_code == 200 and pages[-1].template == "staff/login_code.html"
        assert pages[-1].context["destination"] == "c•••@demo-sante.example"
        done = await client.post(
            "/pro/connexion/code",
            data={
                "csrf_token": token,
                "challenge_id": str(pages[-1].context["challenge_id"]),
                "code": world.last_code(GP_EMAIL),
            },
        )
        assert done.status_code == 303 and done.headers["location"] == "/pro"
        home = await client.get("/pro")
        assert home.status_code == 200 and pages[-1].template == "pro/home.html"
        assert "Claire Lefèvre" in home.text
        out = await client.post("/pro/deconnexion")
        assert out.headers["location"] == "/pro/connexion?fin=1"
        after = await client.get("/pro")
        assert after.status_code == 303 and after.headers["location"] == "/pro/connexion"


async def test_a_wrong_password_is_refused_without_saying_more(world, pages):
    async with world.client() as client:
        token = csrf_in(await client.get("/pro/connexion"))
        refused = await client.post(
            "/pro/connexion", data={"csrf_token": token, "identifier": GP, "password": "non"}
        )
        assert refused.status_code == 401
        assert pages[-1].template == "staff/login.html" and pages[-1].context["error"]
        unknown = await client.post(
            "/pro/connexion",
            data={"csrf_token": token, "identifier": "810000000000", "password": "non"},
        )
        assert unknown.status_code == 401
        assert pages[-1].context["error"] == pages[-2].context["error"]


async def test_a_login_form_without_its_token_is_refused(world):
    async with world.client() as client:
        await client.get("/pro/connexion")
        forged = await client.post(
            "/pro/connexion", data={"identifier": GP, "password": DEMO_PASSWORD}
        )
        assert forged.status_code == 403


async def test_a_counter_agent_gets_403_on_professional_pages(world, pages):
    agent = await world.agent(COUNTER)
    for url in ("/pro", f"/pro/dmp/{world.dossier_of('269054958815780')}"):
        response = await agent.get(url)
        assert response.status_code == 403, url
        assert "réservée aux professionnels de santé" in response.text
    await agent.client.aclose()


async def test_a_form_without_the_session_token_is_refused(world, gp):
    forged = await gp.client.post("/pro/patient", data={"nir": "269054958815780"})
    assert forged.status_code == 403
    accepted = await gp.post("/pro/patient", nir="269054958815780")
    assert accepted.status_code == 200


async def test_pages_speak_english_when_asked(world, pages, gp):
    response = await gp.get("/pro?lang=en")
    assert response.headers["content-language"] == "en"
    assert "Find a patient&#39;s DMP" in response.text and "Professional area" in response.text
    assert "Rechercher le DMP" not in response.text


async def test_the_home_page_lists_the_professional_and_counter_entrances(world):
    async with world.client() as client:
        home = await client.get("/")
    assert 'href="/pro"' in home.text and 'href="/guichet"' in home.text
