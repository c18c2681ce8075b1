"""Server-side sessions: idle and absolute timeouts, logout, revocation, CSRF tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dmp.auth.accounts import AccountKind, get_account, principal_of
from dmp.auth.login_errors import CsrfRefused, SessionExpired
from dmp.auth.models import AuthSession
from dmp.auth.sessions import (
    TOKEN_PREFIX,
    check_csrf,
    logout,
    open_session,
    resolve_session,
    revoke_account_sessions,
    token_hash,
)
from tests.auth.people import a_patient, sms_login


@pytest.fixture
async def opened(session, rt):
    created = await a_patient(session, rt)
    return await sms_login(
        session, rt, login_id=created.login_id, password=created.initial_password
    )


async def test_a_token_resolves_to_its_actor(session, rt, opened):
    assert opened.token.startswith(TOKEN_PREFIX)
    view = await resolve_session(session, rt=rt, token=opened.token)
    assert view.actor == opened.actor and view.account_kind is AccountKind.PATIENT
    assert view.must_change_password  # first login with the initial password


async def test_only_the_tokens_hash_is_stored(session, rt, opened):
    row = await session.get(AuthSession, opened.session_id)
    assert row.token_hash == token_hash(opened.token) != opened.token
    values = [str(getattr(row, c.key)) for c in AuthSession.__table__.columns]
    assert not any(opened.token in v for v in values)


async def test_the_idle_timeout_ends_a_quiet_session(session, rt, clock, opened):
    assert opened.idle_expires_at == clock.now() + timedelta(minutes=15)
    clock.advance(timedelta(minutes=15))
    with pytest.raises(SessionExpired) as caught:
        await resolve_session(session, rt=rt, token=opened.token)
    assert caught.value.status == 401


async def test_activity_pushes_the_idle_deadline_back(session, rt, clock, opened):
    for _ in range(4):
        clock.advance(timedelta(minutes=14))
        view = await resolve_session(session, rt=rt, token=opened.token)
    assert view.idle_expires_at == clock.now() + timedelta(minutes=15)


async def test_the_absolute_timeout_ends_even_an_active_session(session, rt, clock, opened):
    for _ in range(12 * 6 - 1):
        clock.advance(timedelta(minutes=10))
        await resolve_session(session, rt=rt, token=opened.token)
    clock.advance(timedelta(minutes=10))  # 12 hours after login
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=opened.token)


async def test_the_idle_deadline_never_passes_the_absolute_one(session, rt, clock, opened):
    for _ in range(12 * 6 - 1):
        clock.advance(timedelta(minutes=10))
        view = await resolve_session(session, rt=rt, token=opened.token)
    assert view.idle_expires_at == view.absolute_expires_at


async def test_logout_invalidates_the_token(session, rt, opened):
    await logout(session, rt=rt, token=opened.token)
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=opened.token)
    await logout(session, rt=rt, token=opened.token)  # twice is harmless
    row = await session.get(AuthSession, opened.session_id)
    assert row.revoked_reason == "logout"


@pytest.mark.parametrize("token", ["", "dmps_", "dmps_notarealtoken", "eyJhbGciOi.x.y", "x" * 500])
async def test_unknown_and_foreign_tokens_are_refused(session, rt, token):
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=token)


async def test_revoking_an_accounts_sessions_can_keep_the_current_one(session, rt, opened):
    view = await resolve_session(session, rt=rt, token=opened.token)
    account = await get_account(session, kind=view.account_kind, account_id=view.account_id)
    second = await open_session(
        session, rt=rt, principal=await principal_of(session, account), must_change_password=False
    )
    await revoke_account_sessions(
        session, rt=rt, kind=view.account_kind, account_id=view.account_id, reason="test",
        keep=view.session_id,
    )  # fmt: skip
    await resolve_session(session, rt=rt, token=opened.token)
    with pytest.raises(SessionExpired):
        await resolve_session(session, rt=rt, token=second.token)


async def test_a_masked_csrf_token_is_accepted_and_differs_each_time(session, rt, opened):
    view = await resolve_session(session, rt=rt, token=opened.token)
    first, second = view.csrf_token(), view.csrf_token()
    assert first != second and view.csrf_secret not in first
    check_csrf(view, first)
    check_csrf(view, second)
    check_csrf(view, opened.csrf_token)


@pytest.mark.parametrize("presented", [None, "", "zz", "00" * 64, "not hex at all"])
async def test_a_missing_or_wrong_csrf_token_is_refused(session, rt, opened, presented):
    view = await resolve_session(session, rt=rt, token=opened.token)
    with pytest.raises(CsrfRefused) as caught:
        check_csrf(view, presented)
    assert caught.value.status == 403


async def test_another_sessions_csrf_token_is_refused(session, rt, opened):
    created = await a_patient(session, rt, email=None)
    other = await sms_login(
        session, rt, login_id=created.login_id, password=created.initial_password
    )
    view = await resolve_session(session, rt=rt, token=opened.token)
    with pytest.raises(CsrfRefused):
        check_csrf(view, other.csrf_token)


async def test_dead_sessions_and_challenges_are_purged(session, rt, clock, opened):
    from dmp.auth.models import LoginChallenge
    from dmp.auth.sessions import purge_expired_logins

    clock.advance(timedelta(hours=12, seconds=1))
    assert await purge_expired_logins(session, rt=rt) >= 2  # the session and its challenge
    assert await session.get(AuthSession, opened.session_id, populate_existing=True) is None
    remaining = await session.scalar(select(func.count()).select_from(LoginChallenge))
    assert remaining == 0
