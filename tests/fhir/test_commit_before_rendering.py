"""A search, a read and a retrieval commit their transaction once the rows are read and
the access traced, before the answer is rendered (``db.uow.commit_now``): rendering then
holds neither SQLite's one write lock nor, on PostgreSQL, the dossier's trace head. A
search reads its parameters before its transaction begins and makes its page (rows into
documents) after it is committed; a deposit checks its documents' contents, and seals
and stores them, before its transaction begins.

The probe runs while the answer is being rendered, from a connection of its own: on
SQLite it tries to take the write lock without waiting, on PostgreSQL to lock the
dossier's trace head without waiting."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from dmp.cli.seed import PROFESSIONALS
from dmp.documents import search, storage
from dmp.fhir import binary, documents_provide, documents_search
from dmp.fhir.router import PREFIX
from tests.fhir.builders import created_ids, make_pdf, provide_bundle
from tests.fhir.conftest import in_process, run_in_thread

GP = PROFESSIONALS[0].national_id


def _lock_is_free(database_url: str, dossier_id: str) -> bool:
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.split("///", 1)[1], timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            return False
        finally:
            other.close()

    async def head_is_free() -> bool:
        other = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            async with other.transaction():
                await other.execute(
                    "SELECT seq FROM trace_head WHERE dossier_id = $1 FOR UPDATE NOWAIT",
                    uuid.UUID(dossier_id),
                )
            return True
        except asyncpg.LockNotAvailableError:
            return False
        finally:
            await other.close()

    return run_in_thread(head_is_free())


@pytest.fixture
async def watched_app(fhir_world) -> AsyncIterator[httpx.AsyncClient]:
    """The application in the test's own process, so that what it runs while rendering
    can be watched."""
    async with in_process(fhir_world) as http:
        yield http


def _watched(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, probe: Callable[[], bool]
) -> list[bool]:
    """``module.name`` (a function or a coroutine function) wrapped so that each call
    first records what ``probe`` finds."""
    seen: list[bool] = []
    original = getattr(module, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(probe())
        return original(*args, **kwargs)  # a coroutine is awaited by the caller, as before

    monkeypatch.setattr(module, name, watched)
    return seen


@pytest.mark.parametrize(
    ("module", "name", "path"),
    [
        (documents_search, "document_search", "/DocumentReference?patient={patient}"),
        (search, "to_out", "/DocumentReference?patient={patient}"),
        (documents_search, "document_reference", "/DocumentReference?patient={patient}"),
        (documents_search, "document_reference", "/DocumentReference/{document}"),
        (binary, "format_datetime", "/Binary/{document}"),
        (storage, "read_content", "/Binary/{document}"),
    ],
    ids=[
        "search's parameters",
        "search's page",
        "search",
        "read",
        "retrieve",
        "retrieve's content",
    ],
)
async def test_the_answer_is_rendered_after_the_commit(
    fhir_world, watched_app, gp_document, monkeypatch, module, name, path
):
    patient_id, document_id = gp_document
    probe = lambda: _lock_is_free(fhir_world.server.settings.effective_database_url, patient_id)  # noqa: E731
    assert probe()  # nothing else holds it
    seen = _watched(monkeypatch, module, name, probe)
    answer = await watched_app.get(
        PREFIX + path.format(patient=patient_id, document=document_id),
        headers=fhir_world.headers(GP),
    )
    assert answer.status_code == 200
    assert seen and all(seen)


async def test_the_probe_sees_a_lock_held_by_a_transaction(fhir_world, watched_app, gp_document):
    """The probe itself: inside a search's transaction, before its commit, it finds the
    lock taken (so the test above could fail)."""
    patient_id, _ = gp_document
    seen: list[bool] = []
    original = documents_search.find_documents

    async def searched_then_probed(*args: Any, **kwargs: Any) -> Any:
        found = await original(*args, **kwargs)
        seen.append(_lock_is_free(fhir_world.server.settings.effective_database_url, patient_id))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents_search, "find_documents", searched_then_probed)
        answer = await watched_app.get(
            PREFIX + "/DocumentReference",
            params={"patient": patient_id},
            headers=fhir_world.headers(GP),
        )
    assert answer.status_code == 200
    assert seen == [False]


@pytest.mark.parametrize(
    ("module", "name", "on_postgresql_too"),
    [(documents_provide, "validate_upload", True), (storage, "put_sealed", False)],
    ids=["checks its contents", "stores its contents"],
)
async def test_a_deposit_works_on_its_contents_before_its_transaction(
    fhir_world, watched_app, gp_document, monkeypatch, module, name, on_postgresql_too
):
    """Hashing and inspecting a document (a tenth of a deposit's CPU) holds no lock. On
    SQLite neither does sealing and storing it (two fsyncs, half of a deposit's turn of
    the write lock, decision 0012); PostgreSQL has no such lock to free, and stores it
    inside the transaction, after the trace. Each content is checked once, stored once."""
    patient_id, _ = gp_document
    probe = lambda: _lock_is_free(fhir_world.server.settings.effective_database_url, patient_id)  # noqa: E731
    seen = _watched(monkeypatch, module, name, probe)
    bundle = provide_bundle(patient_id, [{"data": make_pdf(3000)}, {"data": make_pdf(4000)}])
    answer = await watched_app.post(PREFIX, json=bundle, headers=fhir_world.headers(GP))
    assert answer.status_code == 200, answer.text
    assert len(created_ids(answer.json())) == 2
    outside = on_postgresql_too or fhir_world.backend == "sqlite"
    assert seen == [outside, outside]
