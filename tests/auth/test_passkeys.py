"""Passkeys: enrolled from a session, presented after the password instead of the code;
wrong signatures count toward the lockout; clones, other origins and missing user
verification are refused. Driven by a software authenticator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dmp.audit.service import list_traces
from dmp.auth.login_errors import (
    AccountLocked,
    NoPasskey,
    PasskeyNotStarted,
    PasskeyRefused,
    PasswordChangeRequired,
)
from dmp.auth.models import WebauthnCredential
from dmp.auth.passkeys import (
    begin_passkey_enrolment,
    begin_passkey_login,
    complete_passkey_enrolment,
    complete_passkey_login,
    list_passkeys,
    relying_party,
    remove_passkey,
)
from dmp.auth.patients import begin_patient_login
from dmp.auth.sessions import resolve_session
from tests.auth.authenticator import SoftwareAuthenticator
from tests.auth.people import NEW_PASSWORD, a_patient, signed_in, sms_login


@pytest.fixture
def device(rt):
    rp_id, origin = relying_party(rt)
    return SoftwareAuthenticator(rp_id=rp_id, origin=origin)


async def _enrol(session, rt, view, device, label="Mon téléphone"):
    options = await begin_passkey_enrolment(session, rt=rt, view=view)
    return await complete_passkey_enrolment(
        session, rt=rt, view=view, challenge_id=options.challenge_id,
        credential=device.create(options.options), label=label,
    )  # fmt: skip


@pytest.fixture
async def enrolled(session, rt, device):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    await _enrol(session, rt, view, device)
    return created, view


async def _password_step(session, rt, created):
    return await begin_patient_login(
        session, rt=rt, login_id=created.login_id, password=NEW_PASSWORD
    )


async def test_a_passkey_is_enrolled_from_a_session(session, rt, device):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    options = await begin_passkey_enrolment(session, rt=rt, view=view)
    assert options.options["rp"]["id"] == "127.0.0.1"
    assert options.options["authenticatorSelection"]["userVerification"] == "required"
    info = await complete_passkey_enrolment(
        session, rt=rt, view=view, challenge_id=options.challenge_id,
        credential=device.create(options.options), label="Mon téléphone",
    )  # fmt: skip
    assert [p.label for p in await list_passkeys(session, view=view)] == ["Mon téléphone"]
    assert info.last_used_at is None
    trace = (await list_traces(session, dossier_id=created.dossier_id))[0]
    assert (trace.action, trace.outcome) == ("auth:passkey:enrolled", "allowed")


async def test_the_passkey_replaces_the_code_after_the_password(session, rt, device, enrolled):
    created, _ = enrolled
    started = await _password_step(session, rt, created)
    assert started.passkey
    options = await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)
    assert options.options["userVerification"] == "required"
    opened = await complete_passkey_login(
        session, rt=rt, challenge_id=started.challenge_id, credential=device.get(options.options)
    )
    assert opened.actor.dossier_id == str(created.dossier_id)
    stored = await session.scalar(select(WebauthnCredential))
    assert stored.sign_count == device.sign_count and stored.last_used_at == rt.clock.now()
    trace = (await list_traces(session, dossier_id=created.dossier_id))[0]
    assert trace.action == "auth:login" and trace.target.startswith("passkey:")


async def test_a_patient_without_channel_but_with_a_passkey_can_sign_in(session, rt, device):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    await _enrol(session, rt, view, device)
    from dmp.dossiers.models import Dossier
    from dmp.dossiers.vault import seal_json

    dossier = await session.get(Dossier, created.dossier_id)
    key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
    dossier.contact_ct = seal_json(key, dossier.id, "contact", {})
    started = await _password_step(session, rt, created)
    assert started.channels == () and started.passkey
    options = await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)
    await complete_passkey_login(
        session, rt=rt, challenge_id=started.challenge_id, credential=device.get(options.options)
    )


async def test_a_foreign_key_is_refused_and_counts_toward_the_lockout(
    session, rt, device, enrolled
):
    created, _ = enrolled
    impostor = SoftwareAuthenticator(
        rp_id=device.rp_id, origin=device.origin, credential_id=device.credential_id
    )
    started = await _password_step(session, rt, created)
    for expected in (PasskeyRefused, PasskeyRefused, AccountLocked):
        options = await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)
        forged = impostor.get(options.options)
        with pytest.raises(expected):
            await complete_passkey_login(
                session, rt=rt, challenge_id=started.challenge_id, credential=forged
            )
    traces = await list_traces(session, dossier_id=created.dossier_id)
    assert [t.action for t in traces[:2]] == ["auth:account:locked", "auth:login:passkey-refused"]


async def test_an_assertion_cannot_be_replayed(session, rt, device, enrolled):
    created, _ = enrolled
    started = await _password_step(session, rt, created)
    options = await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)
    assertion = device.get(options.options)
    broken = {**assertion, "response": {**assertion["response"], "signature": "AAAA"}}
    with pytest.raises(PasskeyRefused):  # a mangled signature first: the challenge is spent
        await complete_passkey_login(
            session, rt=rt, challenge_id=started.challenge_id, credential=broken
        )
    with pytest.raises(PasskeyNotStarted):
        await complete_passkey_login(
            session, rt=rt, challenge_id=started.challenge_id, credential=assertion
        )


async def test_a_cloned_authenticator_is_caught_by_its_counter(session, rt, device, enrolled):
    created, _ = enrolled
    started = await _password_step(session, rt, created)
    options = await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)
    await complete_passkey_login(
        session, rt=rt, challenge_id=started.challenge_id, credential=device.get(options.options)
    )
    started = await _password_step(session, rt, created)
    options = await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)
    with pytest.raises(PasskeyRefused):  # same counter again: a copy of the key is in use
        await complete_passkey_login(
            session, rt=rt, challenge_id=started.challenge_id,
            credential=device.get(options.options, advance=False),
        )  # fmt: skip


async def test_enrolment_from_another_origin_is_refused(session, rt, device):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    phishing = SoftwareAuthenticator(rp_id=device.rp_id, origin="https://dmp-connexion.example")
    with pytest.raises(PasskeyRefused):
        await _enrol(session, rt, view, phishing)


async def test_user_verification_is_required(session, rt, device):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    lazy = SoftwareAuthenticator(rp_id=device.rp_id, origin=device.origin, user_verified=False)
    with pytest.raises(PasskeyRefused):
        await _enrol(session, rt, view, lazy)


async def test_a_first_login_session_cannot_enrol(session, rt):
    created = await a_patient(session, rt)
    opened = await sms_login(
        session, rt, login_id=created.login_id, password=created.initial_password
    )
    view = await resolve_session(session, rt=rt, token=opened.token)
    with pytest.raises(PasswordChangeRequired):
        await begin_passkey_enrolment(session, rt=rt, view=view)


async def test_a_removed_passkey_is_no_longer_offered(session, rt, enrolled):
    created, view = enrolled
    (passkey,) = await list_passkeys(session, view=view)
    await remove_passkey(session, rt=rt, view=view, passkey_id=passkey.id)
    started = await _password_step(session, rt, created)
    assert not started.passkey
    with pytest.raises(NoPasskey):
        await begin_passkey_login(session, rt=rt, challenge_id=started.challenge_id)


async def test_the_options_must_come_first(session, rt, device, enrolled):
    created, _ = enrolled
    started = await _password_step(session, rt, created)
    with pytest.raises(PasskeyNotStarted):
        await complete_passkey_login(
            session, rt=rt, challenge_id=started.challenge_id,
            credential=device.get({"challenge": "x", "allowCredentials": [{"id": _id(device)}]}),
        )  # fmt: skip


def _id(device):
    from tests.auth.authenticator import b64url

    return b64url(device.credential_id)
