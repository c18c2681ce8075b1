"""The login JSON API over HTTP: cookies and their flags, the bearer form, CSRF on
cookie writes, the forced password change, logout, and refusals that are committed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auth.people import NEW_PASSWORD
from tests.auth.web import running_service


@pytest.fixture(scope="module")
async def service(tmp_path_factory, mailbox):
    async with running_service(tmp_path_factory.mktemp("api"), smtp_port=mailbox.port) as svc:
        yield svc


async def _signed_in(service, client, *, delivery="cookie", mobile="0612345678"):
    created = await service.a_patient(email=None, mobile=mobile)
    started = await client.post(
        "/api/auth/login",
        json={"login_id": created.login_id, "password": created.initial_password},
    )
    assert started.status_code == 200, started.text
    assert started.json()["sent_to"] == "sms"
    verified = await client.post(
        "/api/auth/login/verify",
        json={
            "challenge_id": started.json()["challenge_id"],
            "code": service.last_sms_code(),
            "delivery": delivery,
        },
    )
    assert verified.status_code == 200, verified.text
    return created, verified


async def test_a_browser_login_sets_a_strict_http_only_cookie(service):
    async with service.client() as client:
        _, verified = await _signed_in(service, client)
    cookie = verified.headers["set-cookie"]
    assert cookie.startswith("dmp_session=dmps_")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # served over plain HTTP here
    body = verified.json()
    assert body["token"] is None and body["must_change_password"] is True
    assert body["actor"]["kind"] == "patient" and body["idle_timeout_seconds"] == 900


async def test_over_https_the_cookie_is_secure_and_host_bound(tmp_path, mailbox):
    async with (
        running_service(
            tmp_path, smtp_port=mailbox.port, base_url="https://dmp.example.fr"
        ) as https_service,
        https_service.client() as client,
    ):
        _, verified = await _signed_in(https_service, client)
    cookie = verified.headers["set-cookie"]
    assert cookie.startswith("__Host-dmp_session=") and "Secure" in cookie


async def test_the_first_session_can_only_change_its_password(service):
    async with service.client() as client:
        _, verified = await _signed_in(service, client)
        csrf = {"X-CSRF-Token": verified.json()["csrf_token"]}
        me = await client.get("/api/auth/me")
        assert me.status_code == 200 and me.json()["must_change_password"] is True
        refused = await client.get("/api/test/whoami")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "password_change_required"
        changed = await client.post(
            "/api/auth/password", json={"new_password": NEW_PASSWORD}, headers=csrf
        )
        assert changed.status_code == 200, changed.text
        allowed = await client.get("/api/test/whoami")
        assert allowed.status_code == 200 and allowed.json()["kind"] == "patient"


async def test_cookie_writes_need_the_csrf_token(service):
    async with service.client() as client:
        _, verified = await _signed_in(service, client)
        token = verified.json()["csrf_token"]
        missing = await client.post("/api/auth/password", json={"new_password": NEW_PASSWORD})
        assert missing.status_code == 403 and missing.json()["error"]["code"] == "csrf_refused"
        wrong = await client.post(
            "/api/auth/password", json={"new_password": NEW_PASSWORD},
            headers={"X-CSRF-Token": "00" * 64},
        )  # fmt: skip
        assert wrong.status_code == 403
        ok = await client.post(
            "/api/auth/password", json={"new_password": NEW_PASSWORD},
            headers={"X-CSRF-Token": token},
        )  # fmt: skip
        assert ok.status_code == 200
        # A form post carries the token as a field instead of a header.
        form = await client.post(
            "/api/test/whoami",
            data={"csrf_token": (await client.get("/api/auth/me")).json()["csrf_token"]},
        )
        assert form.status_code == 200
        bare = await client.post("/api/test/whoami", data={"x": "y"})
        assert bare.status_code == 403


async def test_the_bearer_form_serves_a_mobile_app_without_cookie_or_csrf(service):
    async with service.client() as client:
        _, verified = await _signed_in(service, client, delivery="bearer")
        assert "set-cookie" not in verified.headers
        body = verified.json()
        assert body["token_type"] == "bearer" and body["token"].startswith("dmps_")
    async with service.client(headers={"Authorization": f"Bearer {body['token']}"}) as app:
        assert (
            await app.post("/api/auth/password", json={"new_password": NEW_PASSWORD})
        ).status_code == 200
        assert (await app.post("/api/test/whoami")).status_code == 200
        assert (await app.post("/api/auth/logout")).status_code == 204
        assert (await app.get("/api/auth/me")).status_code == 401


async def test_logout_ends_the_session_and_clears_the_cookie(service):
    async with service.client() as client:
        _, verified = await _signed_in(service, client)
        token = verified.cookies.get("dmp_session")
        out = await client.post("/api/auth/logout")
        assert out.status_code == 204
        assert (
            'dmp_session=""' in out.headers["set-cookie"]
            or "Max-Age=0" in out.headers["set-cookie"]
        )
    async with service.client(cookies={"dmp_session": token}) as replay:
        again = await replay.get("/api/auth/me")
        assert again.status_code == 401 and again.json()["error"]["code"] == "session_expired"


async def test_an_idle_session_expires(service):
    async with service.client() as client:
        await _signed_in(service, client)
        service.clock.advance(timedelta(minutes=15))
        expired = await client.get("/api/auth/me")
    assert expired.status_code == 401


async def test_no_session_at_all_is_401(service):
    async with service.client() as client:
        response = await client.get("/api/test/whoami")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_signed_in"


async def test_an_unknown_identifier_answers_exactly_like_a_wrong_password(service):
    created = await service.a_patient(email=None, mobile="0612345678")
    async with service.client() as client:
        known = await client.post(
            "/api/auth/login", json={"login_id": created.login_id, "password": "mauvais"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"login_id": "0000000000", "password": "mauvais"}
        )
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    assert known.json()["error"]["message"] == "Identifiant ou mot de passe incorrect."


async def test_failures_are_committed_and_the_lock_holds_across_requests(service):
    created = await service.a_patient(email=None, mobile="0612345678")
    sent_before = service.sms_count()
    async with service.client() as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/login", json={"login_id": created.login_id, "password": "mauvais"}
                )
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]
        right = await client.post(
            "/api/auth/login",
            json={"login_id": created.login_id, "password": created.initial_password},
        )
    assert right.status_code == 429 and right.json()["error"]["code"] == "account_locked"
    assert service.sms_count() == sent_before  # no code leaves for a refused login
    service.clock.advance(timedelta(minutes=15))
    async with service.client() as client:
        after = await client.post(
            "/api/auth/login",
            json={"login_id": created.login_id, "password": created.initial_password},
        )
    assert after.status_code == 200


async def test_a_patient_without_channel_gets_a_clear_answer(service):
    created = await service.a_patient(email=None, mobile=None)
    async with service.client() as client:
        response = await client.post(
            "/api/auth/login",
            json={"login_id": created.login_id, "password": created.initial_password},
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_code_channel"


async def test_malformed_requests_are_400(service):
    async with service.client() as client:
        missing = await client.post("/api/auth/login", json={"login_id": "123"})
        huge = await client.post("/api/auth/login", json={"login_id": "1", "password": "x" * 5000})
        bad_channel = await client.post(
            "/api/auth/login", json={"login_id": "1", "password": "x", "channel": "pigeon"}
        )
    assert missing.status_code == huge.status_code == bad_channel.status_code == 400


async def test_a_choice_of_channel_then_a_resend_over_http(service, mailbox):
    created = await service.a_patient(email="deux.canaux@example.org", mobile="0612345678")
    async with service.client() as client:
        started = (
            await client.post(
                "/api/auth/login",
                json={"login_id": created.login_id, "password": created.initial_password},
            )
        ).json()
        assert started["sent_to"] is None and len(started["channels"]) == 2
        sent = await client.post(
            "/api/auth/login/send",
            json={"challenge_id": started["challenge_id"], "channel": "email"},
        )
        assert sent.status_code == 200 and sent.json()["destination"] == "d•••@example.org"
        verified = await client.post(
            "/api/auth/login/verify",
            json={
                "challenge_id": started["challenge_id"],
                "code": mailbox.last_code("deux.canaux@example.org"),
            },
        )
    assert verified.status_code == 200


async def test_wrong_and_reused_codes_over_http(service):
    created = await service.a_patient(email=None, mobile="0612345678")
    async with service.client() as client:
        started = (
            await client.post(
                "/api/auth/login",
                json={"login_id": created.login_id, "password": created.initial_password},
            )
        ).json()
        wrong = await client.post(
            "/api/auth/login/verify", json={"challenge_id": started["challenge_id"], "code": "x"}
        )
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "code_incorrect"
        code = service.last_sms_code()
        body = {"challenge_id": started["challenge_id"], "code": code}
        assert (await client.post("/api/auth/login/verify", json=body)).status_code == 200
        reused = await client.post("/api/auth/login/verify", json=body)
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "code_expired"


async def test_a_passkey_over_http_from_enrolment_to_login(service):
    from tests.auth.authenticator import SoftwareAuthenticator

    device = SoftwareAuthenticator(rp_id="testserver", origin="http://testserver")
    async with service.client() as client:
        created, verified = await _signed_in(service, client)
        csrf = {"X-CSRF-Token": verified.json()["csrf_token"]}
        await client.post("/api/auth/password", json={"new_password": NEW_PASSWORD}, headers=csrf)
        options = (await client.post("/api/auth/passkeys/options", headers=csrf)).json()
        enrolled = await client.post(
            "/api/auth/passkeys",
            json={
                "challenge_id": options["challenge_id"],
                "credential": device.create(options["options"]),
                "label": "Téléphone",
            },
            headers=csrf,
        )
        assert enrolled.status_code == 200, enrolled.text
        assert [p["label"] for p in (await client.get("/api/auth/passkeys")).json()] == [
            "Téléphone"
        ]
        await client.post("/api/auth/logout")
    async with service.client() as client:
        started = (
            await client.post(
                "/api/auth/login", json={"login_id": created.login_id, "password": NEW_PASSWORD}
            )
        ).json()
        assert started["passkey"] is True
        request = (
            await client.post(
                "/api/auth/login/passkey/options", json={"challenge_id": started["challenge_id"]}
            )
        ).json()
        signed = await client.post(
            "/api/auth/login/passkey",
            json={
                "challenge_id": started["challenge_id"],
                "credential": device.get(request["options"]),
                "delivery": "bearer",
            },
        )
        assert signed.status_code == 200, signed.text
        token = signed.json()["token"]
    async with service.client(headers={"Authorization": f"Bearer {token}"}) as app:
        assert (await app.get("/api/test/whoami")).json()["kind"] == "patient"
        passkey_id = (await app.get("/api/auth/passkeys")).json()[0]["id"]
        assert (await app.delete(f"/api/auth/passkeys/{passkey_id}")).status_code == 204
        assert (await app.get("/api/auth/passkeys")).json() == []
