"""The unit of work: the request (or job) owns the transaction; services only flush.

Side effects that must happen only once the data is durable (waking the outbox worker,
removing a replaced blob) are queued with ``after_commit`` and dropped on rollback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.errors import DmpError

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT_KEY = "dmp_after_commit"


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except DmpError as error:
            if error.keep_changes:
                await session.commit()
            else:
                await session.rollback()
            session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
        except BaseException:
            await session.rollback()
            session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
        for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
            await callback()


@asynccontextmanager
async def savepoint(session: AsyncSession) -> AsyncIterator[None]:
    """Runs a block in a savepoint of the current transaction. A ``DmpError`` rolls the
    block back unless the error keeps its changes; the after-commit work the block queued
    (codes to send) is dropped with it, so nothing is sent for a change that was undone."""
    queued = len(session.info.get(_AFTER_COMMIT_KEY, []))
    nested = await session.begin_nested()
    try:
        yield
    except DmpError as error:
        if error.keep_changes:
            await nested.commit()
        else:
            await nested.rollback()
            del session.info.get(_AFTER_COMMIT_KEY, [])[queued:]
        raise
    await nested.commit()
