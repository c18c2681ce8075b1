"""The unit of work, and ``commit_now`` (a request's unit of work committed before the
request is over), keep their promises: durable writes, after-commit work once, and the
writes kept for a rollback made again whenever a commit fails, a refusal's included."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from dmp.auth.models import TokenJti
from dmp.db.engine import create_session_factory
from dmp.db.uow import after_commit, commit_now, rewrite_on_rollback, unit_of_work
from dmp.errors import DmpError

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


_BROKEN_ROW = text("INSERT INTO uow_deferred VALUES (1, 99)")


@pytest.fixture
async def deferred_table(engine) -> AsyncIterator[None]:
    """A table whose foreign key is checked at COMMIT: ``_BROKEN_ROW`` makes the commit
    fail."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE uow_deferred (id INTEGER PRIMARY KEY, parent INTEGER "
                "REFERENCES uow_deferred(id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE uow_deferred"))


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

    async def request() -> None:
        async with unit_of_work(factory) as session:
            session.add(TokenJti(jti=key, expires_at=EXPIRES))
            rewrite_on_rollback(session, rewrite)
            await commit_now(session)
            raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError):
        await request()
    assert await _spent(factory, key)
    assert rewritten == []


class _KeptRefusal(DmpError):
    keep_changes = True  # like a denial, whose trace is committed before it is raised


async def _raise(error: BaseException) -> None:
    raise error


@pytest.mark.parametrize(
    "ending",
    ["commit", "commit_now", "error", "kept refusal", "kept refusal whose commit fails"],
)
async def test_no_connection_stays_checked_out(engine, factory, deferred_table, ending):
    pool = engine.sync_engine.pool
    before = pool.checkedout()
    failing = {
        "error": RuntimeError("refused"),
        "kept refusal": _KeptRefusal(),
        "kept refusal whose commit fails": _KeptRefusal(),
    }
    with contextlib.suppress(RuntimeError, _KeptRefusal, IntegrityError):
        async with unit_of_work(factory) as session:
            session.add(TokenJti(jti=_jti(), expires_at=EXPIRES))
            await session.flush()
            if ending == "kept refusal whose commit fails":
                await session.execute(_BROKEN_ROW)
            if ending == "commit_now":
                await commit_now(session)
            if ending in failing:
                await _raise(failing[ending])
    assert pool.checkedout() == before


async def test_a_connection_whose_commit_failed_goes_back_to_the_pool_usable(
    factory, deferred_table
):
    """On SQLite a COMMIT refused by a deferred constraint leaves the transaction open.
    A refusal whose changes are kept (a denial and its trace) is committed on its way
    out, and when that commit fails nothing rolls back: the pool must not hand the
    connection out so (every later BEGIN IMMEDIATE would fail)."""

    async def refused() -> None:
        async with unit_of_work(factory) as session:
            await session.execute(_BROKEN_ROW)
            raise _KeptRefusal()

    with pytest.raises(IntegrityError):
        await refused()
    for _ in range(3):
        key = _jti()
        async with unit_of_work(factory) as session:
            session.add(TokenJti(jti=key, expires_at=EXPIRES))
        assert await _spent(factory, key)


@pytest.mark.parametrize("ending", ["commit_now", "kept refusal"])
async def test_a_commit_that_fails_makes_the_rewrites_again(factory, deferred_table, ending):
    """Whichever commit fails, ``commit_now``'s or the one a refusal that keeps its changes
    (a denial and its trace) makes on its way out, the unit of work rolls back and makes
    again what must outlive it: the assertion the request spent stays spent, else it
    could be replayed once. The after-commit work never runs."""
    key, ran = _jti(), []

    async def spend_again(own) -> None:
        own.add(TokenJti(jti=key, expires_at=EXPIRES + timedelta(days=1)))

    async def notify() -> None:
        ran.append(True)

    async def request() -> None:
        async with unit_of_work(factory) as session:
            await session.execute(_BROKEN_ROW)
            rewrite_on_rollback(session, spend_again)
            after_commit(session, notify)
            if ending == "commit_now":
                await commit_now(session)
            else:
                await _raise(_KeptRefusal())

    with pytest.raises(IntegrityError):  # the commit's error: the request fails on it
        await request()
    assert await _spent(factory, key)  # made again, in a transaction of its own
    assert ran == []
    async with factory() as session:
        assert await session.scalar(text("SELECT count(*) FROM uow_deferred")) == 0
