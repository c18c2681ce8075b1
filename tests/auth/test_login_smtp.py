"""End to end: a patient signs in over the HTTP API with the code received through a
real SMTP exchange (aiosmtpd sink), replaces the initial password, signs out, and signs
in again with the new password. Production argon2 parameters: this is the real thing."""

from __future__ import annotations

import pytest

from tests.auth.web import running_service

EMAIL = "bout.en.bout@example.org"
NEW_PASSWORD = "Le facteur sonne toujours deux fois"


@pytest.fixture
async def service(tmp_path, mailbox, production_hashing):
    async with running_service(tmp_path, smtp_port=mailbox.port) as svc:
        yield svc


async def _login(client, mailbox, login_id, password):
    before = len(mailbox.messages_to(EMAIL))
    started = await client.post(
        "/api/auth/login", json={"login_id": login_id, "password": password}
    )
    assert started.status_code == 200, started.text
    assert started.json()["sent_to"] == "email"
    assert started.json()["channels"] == [{"channel": "email", "destination": "b•••@example.org"}]
    # The message went through SMTP after the request's transaction committed.
    received = mailbox.messages_to(EMAIL)
    assert len(received) == before + 1
    message = received[-1]
    assert message["From"] == "ne-pas-repondre@dmp.example.fr"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_content()
    assert "valable 10 minutes" in text
    code = next(
        word for word in text.replace(".", " ").split() if word.isdigit() and len(word) == 6
    )
    verified = await client.post(
        "/api/auth/login/verify",
        json={"challenge_id": started.json()["challenge_id"], "code": code},
    )
    assert verified.status_code == 200, verified.text
    return verified.json()


async def test_a_patient_signs_in_with_a_code_received_by_email(service, mailbox):
    created = await service.a_patient(email=EMAIL, mobile=None)
    async with service.client() as client:
        first = await _login(client, mailbox, created.login_id, created.initial_password)
        assert first["must_change_password"] is True
        changed = await client.post(
            "/api/auth/password",
            json={"new_password": NEW_PASSWORD},
            headers={"X-CSRF-Token": first["csrf_token"]},
        )
        assert changed.status_code == 200, changed.text
        me = (await client.get("/api/auth/me")).json()
        assert me["must_change_password"] is False
        assert me["actor"]["kind"] == "patient"
        assert me["actor"]["dossier_id"] == str(created.dossier_id)
        assert (await client.post("/api/auth/logout")).status_code == 204
        assert (await client.get("/api/auth/me")).status_code == 401

        # The initial password is gone; the new one works.
        old = await client.post(
            "/api/auth/login",
            json={"login_id": created.login_id, "password": created.initial_password},
        )
        assert old.status_code == 401
        second = await _login(client, mailbox, created.login_id, NEW_PASSWORD)
        assert second["must_change_password"] is False
        assert (await client.get("/api/test/whoami")).json()["kind"] == "patient"


async def test_the_contact_change_code_reaches_the_new_address_by_smtp(service, mailbox):
    created = await service.a_patient(email=EMAIL, mobile=None)
    async with service.client() as client:
        first = await _login(client, mailbox, created.login_id, created.initial_password)
        csrf = {"X-CSRF-Token": first["csrf_token"]}
        await client.post("/api/auth/password", json={"new_password": NEW_PASSWORD}, headers=csrf)
        started = await client.post(
            "/api/auth/contact",
            json={"channel": "email", "value": "nouvelle.adresse@example.org"},
            headers=csrf,
        )
        assert started.status_code == 200, started.text
        code = mailbox.last_code("nouvelle.adresse@example.org")
        confirmed = await client.post(
            "/api/auth/contact/confirm",
            json={"challenge_id": started.json()["challenge_id"], "code": code},
            headers=csrf,
        )
        assert confirmed.status_code == 200 and confirmed.json() == {"channel": "email"}
    notice = mailbox.messages_to(EMAIL)[-1]
    assert notice["Subject"] == "Modification de vos coordonnées DMP"
