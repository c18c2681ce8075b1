"""The engine's connection handling: SQLite's in-process write gate, PostgreSQL's ping of
connections that sat idle in the pool."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dmp.db import engine as engine_module
from dmp.db.engine import SqliteWriteGate, create_engine
from tests.conftest import POSTGRES_URL


async def test_sqlite_writers_queue_in_turn_without_busy_errors(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
    order: list[str] = []

    async def writer(name: str) -> None:
        async with engine.begin() as connection:
            order.append(f"{name} in")
            await connection.execute(text("INSERT INTO t VALUES (1)"))
            await asyncio.sleep(0.05)  # hold the write lock while the others wait
            order.append(f"{name} out")

    await asyncio.gather(*(writer(str(i)) for i in range(4)))
    # One at a time, each one's transaction over before the next begins.
    assert all(order[i].endswith("in") and order[i + 1].endswith("out") for i in (0, 2, 4, 6))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 4
    await engine.dispose()


async def test_sqlite_gate_gives_up_like_the_busy_timeout(tmp_path, monkeypatch):
    gate = SqliteWriteGate(timeout=0.05)
    lock = gate._lock()
    await lock.acquire()  # another transaction that never ends
    with pytest.raises(OperationalError, match="database is locked"):
        await gate._acquire(lock)
    lock.release()


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only (DMP_TEST_DATABASE_URL)")
async def test_an_idle_connection_dropped_by_the_server_is_replaced(monkeypatch):
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    engine = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        killer = create_engine(POSTGRES_URL, pool_pre_ping=False)
        async with killer.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await killer.dispose()
        await asyncio.sleep(0.1)
        # The pooled connection is dead: the ping on checkout notices, a new one serves.
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar() != pid
    finally:
        await engine.dispose()


async def test_sqlite_writers_of_two_processes_take_turns_through_the_lock_file(tmp_path):
    # Two engines on one file open the lock file twice, as two uvicorn workers would: no
    # deadlock between the two gates, no "database is locked", one writer at a time.
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = create_engine(url), create_engine(url)
    async with first.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
    order: list[str] = []

    async def writer(engine: Any, name: str) -> None:
        async with engine.begin() as connection:
            order.append(f"{name} in")
            await connection.execute(text("INSERT INTO t VALUES (1)"))
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    await asyncio.gather(
        *(writer(e, f"{e is first}{i}") for i in range(3) for e in (first, second))
    )
    assert all(order[i].endswith("in") and order[i + 1].endswith("out") for i in range(0, 12, 2))
    assert (tmp_path / "shared.sqlite3-gate").exists()
    await first.dispose()
    await second.dispose()


async def test_a_process_waiting_for_the_lock_file_gives_up_and_tidies_up(tmp_path):
    first = SqliteWriteGate(lock_file=tmp_path / "db-gate")
    second = SqliteWriteGate(timeout=0.05, lock_file=tmp_path / "db-gate")
    held = first._lock()
    await first._acquire(held)
    waiting = second._lock()
    with pytest.raises(OperationalError, match="database is locked"):
        await second._acquire(waiting)
    # Its thread still waits for the file: its own gate stays closed meanwhile...
    assert waiting.locked()
    first._release(held)
    # ...and opens once that thread got the file lock and gave it back.
    await asyncio.wait_for(waiting.acquire(), 1)
    waiting.release()
    second.timeout = 1
    await second._acquire(waiting)  # the file is free again for whoever comes next
    second._release(waiting)
