"""``commit_now``: a request's unit of work committed before the request is over keeps
what ``unit_of_work`` promises: durable writes, after-commit work once, and the writes
kept for a rollback made again when the commit itself fails."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from dmp.auth.models import TokenJti
from dmp.db.engine import create_session_factory
from dmp.db.uow import after_commit, commit_now, rewrite_on_rollback, unit_of_work

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
async def factory(engine):
    """Sessions that really commit; the assertion ids they spend are removed after the
    test (other tests count them)."""
    factory = create_session_factory(engine)
    yield factory
    async with factory() as session:
        await session.execute(delete(TokenJti).where(TokenJti.jti.in_(_KEYS)))
        await session.commit()
    _KEYS.clear()


@pytest.fixture
async def deferred_table(engine) -> AsyncIterator[str]:
    """A table whose foreign key is checked at COMMIT: a commit that fails."""
    name = f"deferred_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as connection:
        await connection.execute(
            text(
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, parent INTEGER "
                f"REFERENCES {name}(id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield name
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP TABLE {name}"))


_KEYS: list[str] = []


def _jti() -> str:
    _KEYS.append(uuid.uuid4().hex)
    return _KEYS[-1]


async def _spent(factory, key: str) -> bool:
    async with factory() as session:
        return await session.scalar(select(TokenJti.jti).where(TokenJti.jti == key)) is not None


async def test_writes_are_durable_and_after_commit_work_runs_once_at_once(factory):
    key, ran = _jti(), []

    async def notify() -> None:
        ran.append(await _spent(factory, key))  # what another session sees by then

    async with unit_of_work(factory) as session:
        session.add(TokenJti(jti=key, expires_at=EXPIRES))
        after_commit(session, notify)
        await commit_now(session)
        assert ran == [True]
        assert await _spent(factory, key)
    assert ran == [True]  # not a second time at the unit of work's end


async def test_a_failure_after_it_undoes_nothing_and_makes_no_rewrite(factory):
    key, rewritten = _jti(), []

    async def rewrite(_session) -> None:
        rewritten.append(True)

    with pytest.raises(RuntimeError):
        async with unit_of_work(factory) as session:
            session.add(TokenJti(jti=key, expires_at=EXPIRES))
            rewrite_on_rollback(session, rewrite)
            await commit_now(session)
            raise RuntimeError("rendering failed")
    assert await _spent(factory, key)
    assert rewritten == []


async def test_a_commit_that_fails_leaves_the_rewrites_to_the_unit_of_work(
    factory, deferred_table
):
    key, ran = _jti(), []

    async def spend_again(own) -> None:
        own.add(TokenJti(jti=key, expires_at=EXPIRES + timedelta(days=1)))

    async def notify() -> None:
        ran.append(True)

    with pytest.raises(IntegrityError):
        async with unit_of_work(factory) as session:
            await session.execute(text(f"INSERT INTO {deferred_table} VALUES (1, 99)"))
            rewrite_on_rollback(session, spend_again)
            after_commit(session, notify)
            await commit_now(session)
    assert await _spent(factory, key)  # made again, in a transaction of its own
    assert ran == []
    async with factory() as session:
        assert await session.scalar(text(f"SELECT count(*) FROM {deferred_table}")) == 0
