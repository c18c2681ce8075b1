"""Crash safety of deposits: blob first, row second; an interrupted deposit leaves no
visible document, and its orphan blob is collected after the grace period, not before."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from dmp.documents import repository, storage
from dmp.documents.errors import ConcurrentDeposit
from dmp.documents.storage import collect_orphan_blobs, settle_cleanups
from dmp.dossiers.models import Dossier
from tests.builders.documents import a_document, blob_keys, count_documents
from tests.builders.dossiers import a_dossier

GRACE = timedelta(hours=1)


@pytest.fixture
def wall_clock(clock):
    # Blob ages come from the store's modification times: the test clock starts from now.
    clock.set(datetime.now(UTC))
    return clock


async def _crash_between_blob_and_commit(session, rt, dossier_id, monkeypatch):
    """The blob is written, then the process dies before the row commits: simulated by
    a failing row insert, and by no rollback clean-up running (a dead process runs
    nothing)."""
    monkeypatch.setattr(storage, "_remove_pending", lambda *args: None)
    monkeypatch.setattr(storage, "discard_content", _noop)
    written = []
    original_write = storage.write_content

    async def write_content(*args, **kwargs):
        written.append(await original_write(*args, **kwargs))
        return written[-1]

    async def crashing_insert(*args, **kwargs):
        assert written  # the blob is durable before the row is inserted
        raise IntegrityError("INSERT INTO document", {}, Exception("simulated crash"))

    monkeypatch.setattr(storage, "write_content", write_content)
    original_insert = repository.insert_new_version
    monkeypatch.setattr(repository, "insert_new_version", crashing_insert)
    with pytest.raises(ConcurrentDeposit):
        await a_document(session, rt, dossier_id)
    monkeypatch.setattr(repository, "insert_new_version", original_insert)
    monkeypatch.setattr(storage, "write_content", original_write)


async def _noop(*args, **kwargs):
    return None


async def test_an_interrupted_deposit_leaves_no_document_and_gc_collects_the_orphan_later(
    session, rt, wall_clock, monkeypatch
):
    dossier_id = (await a_dossier(session, rt)).dossier_id
    kept = await a_document(session, rt, dossier_id, unique_id="1.2.250.1.1")
    await _crash_between_blob_and_commit(session, rt, dossier_id, monkeypatch)
    assert await count_documents(session, dossier_id) == 1
    assert len(await blob_keys(rt, dossier_id)) == 2  # the orphan is there

    young = await collect_orphan_blobs(session, rt=rt, older_than=GRACE)
    assert (young.removed, young.kept_young) == (0, 1)  # maybe an upload in flight: spared
    assert len(await blob_keys(rt, dossier_id)) == 2

    wall_clock.advance(GRACE + timedelta(minutes=1))
    late = await collect_orphan_blobs(session, rt=rt, older_than=GRACE)
    assert late.removed == 1
    (remaining,) = await blob_keys(rt, dossier_id)
    # The referenced blob is never collected, however old.
    assert remaining.startswith(f"{dossier_id}/")
    assert (await count_documents(session, dossier_id)) == 1
    assert kept.id is not None


async def test_a_rolled_back_deposit_removes_its_blob_at_once(session, rt):
    dossier_id = (await a_dossier(session, rt)).dossier_id
    await session.commit()  # the dossier survives the rollback below
    await a_document(session, rt, dossier_id)
    assert len(await blob_keys(rt, dossier_id)) == 1
    await session.rollback()
    await settle_cleanups()
    assert await blob_keys(rt, dossier_id) == []
    assert await session.get(Dossier, dossier_id) is not None
    assert await count_documents(session, dossier_id) == 0


async def test_a_committed_deposit_keeps_its_blob(session, rt):
    dossier_id = (await a_dossier(session, rt)).dossier_id
    await a_document(session, rt, dossier_id)
    await session.commit()
    await session.close()  # ends the session: nothing pending may be removed
    await settle_cleanups()
    assert len(await blob_keys(rt, dossier_id)) == 1


async def test_gc_spares_blobs_it_does_not_own(session, rt, wall_clock):
    assert rt.blobs is not None
    await rt.blobs.put("not-a-dossier/leftover", b"x")
    wall_clock.advance(timedelta(days=2))
    report = await collect_orphan_blobs(session, rt=rt, older_than=GRACE)
    assert report.removed == 0
    assert await rt.blobs.exists("not-a-dossier/leftover")


async def test_gc_refuses_a_negative_grace(session, rt):
    with pytest.raises(ValueError, match="negative"):
        await collect_orphan_blobs(session, rt=rt, older_than=timedelta(-1))


async def test_cleanups_settle_even_when_nothing_is_pending():
    await asyncio.wait_for(settle_cleanups(), timeout=1)
