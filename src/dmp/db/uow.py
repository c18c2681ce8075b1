"""The unit of work: the request (or job) owns the transaction; services only flush.

Side effects that must happen only once the data is durable (waking the outbox worker,
removing a replaced blob) are queued with ``after_commit`` and dropped on rollback.
Writes that must outlive a rolled-back transaction (a spent assertion id) are queued with
``rewrite_on_rollback`` and made again, in a transaction of their own, after a rollback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.errors import DmpError

AfterCommit = Callable[[], Awaitable[None]]
Rewrite = Callable[[AsyncSession], Awaitable[None]]
_AFTER_COMMIT_KEY = "dmp_after_commit"
_REWRITE_KEY = "dmp_rewrite_on_rollback"


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


def rewrite_on_rollback(session: AsyncSession, write: Rewrite) -> None:
    """``write`` has just been made in ``session``'s transaction and must stay even if that
    transaction is rolled back: ``unit_of_work`` then makes it again in its own transaction.
    Committed with the rest, it costs no second transaction (nor a second fsync)."""
    session.info.setdefault(_REWRITE_KEY, []).append(write)


def _has_work(session: AsyncSession) -> bool:
    """Whether committing would do anything: a transaction is open or ORM changes wait.
    After ``commit_now`` neither holds, and a commit would only cost a greenlet hop and a
    logical transaction, on every search and retrieval."""
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    rewrites: list[Rewrite] = []
    session = factory()
    try:
        try:
            yield session
            if _has_work(session):
                await session.commit()
        except DmpError as error:
            if not error.keep_changes:
                rewrites = await _rolled_back(session)
                raise
            try:
                await session.commit()
            except Exception:
                # The refusal's trace could not be kept: the request fails on that error,
                # and what must outlive the rollback, a spent assertion id, is made again
                # as after any other failure.
                rewrites = await _rolled_back(session)
                raise
            session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
        except Exception:
            rewrites = await _rolled_back(session)
            raise
        except BaseException:  # cancelled: no new transaction on the way out
            await _rolled_back(session)
            raise
        finally:
            # After the rollback, outside the failed transaction: the original error is
            # still the one raised; a rewrite that fails raises its own, chained to it.
            for write in rewrites:
                async with unit_of_work(factory) as own:
                    await write(own)
        await _committed(session)
    finally:
        await _release(session)


async def _rolled_back(session: AsyncSession) -> list[Rewrite]:
    """Rolls the transaction back, drops the work that was waiting for its commit, and
    returns the writes that must be made again outside it."""
    await session.rollback()
    session.info.pop(_AFTER_COMMIT_KEY, None)
    rewrites: list[Rewrite] = session.info.pop(_REWRITE_KEY, [])
    return rewrites


async def _committed(session: AsyncSession) -> None:
    """What follows a successful commit: the writes kept for a rollback are no longer
    needed, and the work waiting for the commit runs."""
    session.info.pop(_REWRITE_KEY, None)
    for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
        await callback()


async def _release(session: AsyncSession) -> None:
    """Gives the session's connection back, if it still holds one. A session holds a
    connection only inside a transaction, and after a commit or a rollback there is
    none: its close would then be a task and a greenlet hop (about 18 µs) on every
    request, for nothing. ``__aexit__`` is SQLAlchemy's close, finished even if the
    request is cancelled meanwhile."""
    if session.in_transaction():
        await session.__aexit__(None, None, None)


async def commit_now(session: AsyncSession) -> None:
    """Commits the unit of work's transaction before the request is over, once everything
    it had to read and write is done, so that what is left (mapping rows to FHIR,
    serialising the answer) runs outside it: on SQLite outside the one write lock, on
    PostgreSQL after the trace head's row lock is let go. What ``unit_of_work`` does on
    success happens now: the after-commit work runs, and the writes kept for a rollback
    are dropped, since there is none left to fear. If the commit fails, they stay for the
    unit of work, which rolls back and makes them again. The unit of work's own commit and
    close at the end then find nothing to do and are skipped (``_has_work``,
    ``_release``)."""
    await session.commit()
    await _committed(session)


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
