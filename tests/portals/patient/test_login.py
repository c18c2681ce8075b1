"""Logging in: identifier and password, a code by the chosen channel, the first-login
password; refusals that never tell whether an identifier exists; lockout."""

from __future__ import annotations

from tests.portals.patient.helpers import csrf_in, last_code, post_form

MARIE_EMAIL = "marie.dupont@example.org"
NEW_PASSWORD = "Un beau jardin fleuri en avril 42"


async def _login_page(client):
    response = await client.get("/connexion")
    assert response.status_code == 200
    return csrf_in(response)


async def test_the_login_page_is_a_plain_form_with_a_browser_bound_token(portal, pages):
    async with portal.client() as client:
        response = await client.get("/connexion")
        assert pages[-1].template == "patient/login.html"
        assert pages[-1].context["errors"] == {}
        assert "dmp_form" in response.cookies
        assert response.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # Without the token (a forged form from another site), nothing is tried.
        refused = await client.post("/connexion", data={"identifiant": "x", "mot_de_passe": "y"})
        assert refused.status_code == 403


async def test_a_complete_first_login(portal, pages):
    login_id = portal.login_of("Adulte")
    password = portal.created("Adulte").initial_password
    async with portal.client() as client:
        token = await _login_page(client)
        response = await post_form(
            client, "/connexion", token, identifiant=login_id, mot_de_passe=password
        )
        assert response.status_code == 303 and response.headers["location"] == "/connexion/code"
        # Two channels on file: the person chooses.
        page = await client.get("/connexion/code")
        assert pages[-1].template == "patient/login_code.html"
        assert pages[-1].context["sent_to"] is None
        assert [c for c, _ in pages[-1].context["channels"]] == ["email", "sms"]
        response = await post_form(client, "/connexion/envoyer", csrf_in(page), canal="email")
        assert response.status_code == 303
        page = await client.get("/connexion/code")
        assert pages[-1].context["destination"] == "m•••@example.org"

        wrong = await post_form(client, "/connexion/code", csrf_in(page), code="000000")
        assert wrong.status_code == 401
        assert pages[-1].context["errors"]["code"].startswith("Code incorrect")
        assert 'aria-invalid="true"' in wrong.text and "f-code-erreur" in wrong.text

        code = last_code(portal.mail, MARIE_EMAIL)
        response = await post_form(client, "/connexion/code", csrf_in(page), code=code)
        assert response.status_code == 303
        assert response.headers["location"] == "/connexion/nouveau-mot-de-passe"
        assert portal.settings.session_cookie_name in response.cookies

        page = await client.get("/connexion/nouveau-mot-de-passe")
        assert pages[-1].template == "patient/first_password.html"
        # Until the password is replaced, the portal sends the person back here.
        assert (await client.get("/mon-dmp")).headers["location"] == (
            "/connexion/nouveau-mot-de-passe"
        )
        weak = await post_form(
            client,
            "/connexion/nouveau-mot-de-passe",
            csrf_in(page),
            nouveau="court",
            confirmation="court",
        )
        assert weak.status_code == 422
        assert "12 caractères" in pages[-1].context["errors"]["nouveau"]
        mismatch = await post_form(
            client,
            "/connexion/nouveau-mot-de-passe",
            csrf_in(page),
            nouveau=NEW_PASSWORD,
            confirmation=NEW_PASSWORD + "!",
        )
        assert "confirmation" in pages[-1].context["errors"] and mismatch.status_code == 422
        done = await post_form(
            client,
            "/connexion/nouveau-mot-de-passe",
            csrf_in(page),
            nouveau=NEW_PASSWORD,
            confirmation=NEW_PASSWORD,
        )
        assert done.headers["location"] == "/mon-dmp?fait=mot-de-passe"


async def test_wrong_password_and_unknown_identifier_read_the_same_then_lock(portal, pages):
    async with portal.client() as client:
        token = await _login_page(client)
        for identifier in (portal.login_of("Mineur"), "99999999999"):
            for _ in range(2):
                response = await post_form(
                    client, "/connexion", token, identifiant=identifier, mot_de_passe="faux"
                )
                assert response.status_code == 401
                assert pages[-1].context["errors"] == {
                    "mot_de_passe": "Identifiant ou mot de passe incorrect."
                }
                assert pages[-1].context["identifier"] == identifier
            locked = await post_form(
                client, "/connexion", token, identifiant=identifier, mot_de_passe="faux"
            )
            assert locked.status_code == 429
            assert "verrouillé pendant 15 minutes" in pages[-1].context["message"]


async def test_the_code_page_without_a_pending_login_starts_again(portal, pages):
    async with portal.client() as client:
        response = await client.get("/connexion/code")
        assert response.headers["location"] == "/connexion?raison=code-expire"
        await client.get(response.headers["location"])
        assert "plus valable" in pages[-1].context["message"]


async def test_logging_out_ends_the_session(portal, marie):
    home = await marie.client.get("/mon-dmp")
    assert home.status_code == 200
    response = await post_form(marie.client, "/deconnexion", marie.csrf)
    assert response.headers["location"] == "/connexion?deconnecte=1"
    again = await marie.client.get("/mon-dmp")
    assert again.status_code == 303 and again.headers["location"].startswith("/connexion")
