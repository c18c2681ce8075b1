"""Reaching into the live server's world from a browser test, as its other processes
would: a patient's session opened directly (the patient login has its own tests), one
tick of the notification worker (``dmp worker`` runs it beside the web process)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

from dmp.audit.history import HistoryPage, read_access_history
from dmp.auth.accounts import AccountKind, find_account, principal_of
from dmp.auth.sessions import open_session
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.policy import Actor, ActorKind
from dmp.runtime import build_runtime
from tests.e2e.server import LiveServer


def _in_thread(work: Any) -> Any:
    """Runs a coroutine on a loop of its own: the test's loop is busy driving the browser."""
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.update(value=asyncio.run(work)))
    thread.start()
    thread.join()
    return box.get("value")


def deliver_notifications(server: LiveServer) -> None:
    from dmp.jobs.worker import run_worker

    _in_thread(run_worker(server.settings, stop=asyncio.Event(), once=True))


async def _with_session(server: LiveServer, work: Any) -> Any:
    engine = create_engine(server.settings.effective_database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await work(session, build_runtime(server.settings))
    finally:
        await engine.dispose()


def patient_session_token(server: LiveServer, login_id: str) -> str:
    async def work(session: Any, rt: Any) -> str:
        row = await find_account(session, kind=AccountKind.PATIENT, identifier=login_id)
        principal = await principal_of(session, row) if row is not None else None
        assert principal is not None
        opened = await open_session(session, rt=rt, principal=principal, must_change_password=False)
        return opened.token

    return str(_in_thread(_with_session(server, work)))


def holder_history(server: LiveServer, dossier_id: uuid.UUID) -> HistoryPage:
    async def work(session: Any, rt: Any) -> HistoryPage:
        holder = Actor(kind=ActorKind.PATIENT, id="holder", dossier_id=str(dossier_id))
        return await read_access_history(session, rt=rt, actor=holder, dossier_id=dossier_id)

    page: HistoryPage = _in_thread(_with_session(server, work))
    return page
