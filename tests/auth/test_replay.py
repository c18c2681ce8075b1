"""The replay guard on the database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dmp.auth.errors import TokenReplayed
from dmp.auth.models import TokenJti
from dmp.auth.replay import purge_expired_jti, spend_jti
from dmp.auth.tokens import TokenVerifier, replay_key
from tests.auth.builders import NOW, sign
from tests.auth.conftest import Certificates


async def test_a_token_is_accepted_once(
    session: AsyncSession, verifier: TokenVerifier, certificates: Certificates
) -> None:
    token = sign(certificates.cps)
    credential = await verifier.verify(token, session=session)
    assert credential.actor.id == "810003461033"

    with pytest.raises(TokenReplayed) as caught:
        await verifier.verify(token, session=session)
    assert caught.value.code == "token_replayed"


async def test_a_new_token_reusing_a_jti_is_refused(
    session: AsyncSession, verifier: TokenVerifier, certificates: Certificates
) -> None:
    await verifier.verify(sign(certificates.cps, jti="fixed"), session=session)
    with pytest.raises(TokenReplayed):
        await verifier.verify(sign(certificates.cps, jti="fixed", consent=True), session=session)


async def test_jti_values_are_scoped_by_subject(
    session: AsyncSession, verifier: TokenVerifier, certificates: Certificates
) -> None:
    # One professional cannot spend another's jti in advance.
    await verifier.verify(sign(certificates.cps, jti="1"), session=session)
    await verifier.verify(sign(certificates.cps_rsa, jti="1"), session=session)


async def test_the_session_stays_usable_after_a_replay(session: AsyncSession) -> None:
    key = replay_key("810003461033", "again")
    await spend_jti(session, key=key, expires_at=NOW)
    with pytest.raises(TokenReplayed):
        await spend_jti(session, key=key, expires_at=NOW)
    count = await session.scalar(select(func.count()).select_from(TokenJti))
    assert count == 1


async def test_purge_removes_only_expired_ids(session: AsyncSession) -> None:
    await spend_jti(session, key="a" * 64, expires_at=NOW - timedelta(seconds=1))
    await spend_jti(session, key="b" * 64, expires_at=NOW + timedelta(minutes=5))

    assert await purge_expired_jti(session, now=NOW) == 1

    remaining = (await session.scalars(select(TokenJti.jti))).all()
    assert remaining == ["b" * 64]
    stored = await session.get(TokenJti, "b" * 64)
    assert stored is not None
    assert stored.expires_at == NOW + timedelta(minutes=5)


async def test_two_nodes_refuse_the_same_jti(engine: AsyncEngine) -> None:
    """Each node has its own connection; the primary key is the only arbiter."""
    key = secrets.token_hex(32)
    try:
        async with AsyncSession(engine) as node_a:
            await spend_jti(node_a, key=key, expires_at=NOW)
            await node_a.commit()
        async with AsyncSession(engine) as node_b:
            with pytest.raises(TokenReplayed):
                await spend_jti(node_b, key=key, expires_at=NOW)
    finally:
        async with AsyncSession(engine) as cleanup:
            await cleanup.execute(delete(TokenJti).where(TokenJti.jti == key))
            await cleanup.commit()


async def test_concurrent_nodes_let_exactly_one_through(engine: AsyncEngine) -> None:
    # On PostgreSQL the second insert waits on the first one's row lock; on SQLite the
    # second transaction waits for the write lock (BEGIN IMMEDIATE). Either way one wins.
    key = secrets.token_hex(32)
    first_inserted = asyncio.Event()

    async def node(delay_commit: bool) -> bool:
        async with AsyncSession(engine) as db:
            try:
                await spend_jti(db, key=key, expires_at=NOW)
            except TokenReplayed:
                return False
            if delay_commit:
                first_inserted.set()
                await asyncio.sleep(0.2)  # the other node waits on this transaction
            await db.commit()
            return True

    async def second() -> bool:
        await first_inserted.wait()
        return await node(delay_commit=False)

    try:
        results = await asyncio.gather(node(delay_commit=True), second())
        assert sorted(results) == [False, True]
    finally:
        async with AsyncSession(engine) as cleanup:
            await cleanup.execute(delete(TokenJti).where(TokenJti.jti == key))
            await cleanup.commit()
