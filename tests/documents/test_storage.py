"""Crash safety of deposits: blob first, row second; an interrupted deposit leaves no
visible document, and its orphan blob is collected after the grace period, not before."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dmp.db.engine import create_session_factory
from dmp.db.uow import unit_of_work
from dmp.documents import repository, storage
from dmp.documents.errors import ConcurrentDeposit
from dmp.documents.models import Document
from dmp.documents.reading import read_document_content
from dmp.documents.service import add_document
from dmp.documents.storage import collect_orphan_blobs, settle_cleanups
from dmp.dossiers.models import Dossier
from tests.builders.actors import professional
from tests.builders.documents import PDF, a_document, blob_keys, count_documents, grant, upload
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


# -- contents written before their transaction (decision 0012) -------------------------------


def _unit(engine):
    return unit_of_work(create_session_factory(engine))


@pytest.fixture
async def committed_dossier(own_engine, rt):
    """A dossier committed in a database of the test's own: ``write_ahead`` reads its key
    from a connection of its own, which sees only what is committed."""
    async with _unit(own_engine) as session:
        dossier_id = (await a_dossier(session, rt)).dossier_id
        await grant(session, rt, dossier_id, professional().id)
    return dossier_id


async def _deposit(engine, rt, dossier_id, *, ahead=None, fail=False):
    async with _unit(engine) as session:
        document = await add_document(
            session,
            rt=rt,
            actor=professional(),
            dossier_id=dossier_id,
            upload=upload(),
            content=PDF,
            ahead=ahead,
        )
        if fail:
            raise RuntimeError("the transaction fails after the deposit")
    return document


async def _stored_key(engine, document_id):
    async with _unit(engine) as session:
        return await session.scalar(select(Document.blob_key).where(Document.id == document_id))


async def test_content_written_ahead_is_taken_by_its_transaction(
    own_engine, rt, committed_dossier, monkeypatch
):
    ahead = await storage.write_ahead(rt, own_engine, dossier_id=committed_dossier, data=PDF)
    assert ahead is not None and await blob_keys(rt, committed_dossier) == [ahead.key]
    puts = _counted_puts(monkeypatch)
    document = await _deposit(own_engine, rt, committed_dossier, ahead=ahead)
    assert puts == []  # nothing sealed or stored inside the transaction
    assert ahead.taken and await _stored_key(own_engine, document.id) == ahead.key
    await storage.discard_untaken(rt, [ahead])  # taken: not the writer's to remove
    await settle_cleanups()
    assert await blob_keys(rt, committed_dossier) == [ahead.key]
    async with _unit(own_engine) as session:
        read = await read_document_content(
            session,
            rt=rt,
            actor=professional(),
            dossier_id=committed_dossier,
            document_id=document.id,
        )
    assert read.data == PDF


async def test_content_sealed_under_another_key_is_written_again(own_engine, rt, committed_dossier):
    ahead = await storage.write_ahead(rt, own_engine, dossier_id=committed_dossier, data=PDF)
    assert ahead is not None
    stale = dataclasses.replace(ahead, wrapped_key=b"a key the dossier no longer has")
    document = await _deposit(own_engine, rt, committed_dossier, ahead=stale)
    assert not stale.taken
    stored = await _stored_key(own_engine, document.id)
    assert stored != ahead.key
    await storage.discard_untaken(rt, [stale])
    assert await blob_keys(rt, committed_dossier) == [stored]


async def test_content_of_another_dossier_is_not_taken(own_engine, rt, committed_dossier):
    async with _unit(own_engine) as session:
        other = (await a_dossier(session, rt)).dossier_id
    ahead = await storage.write_ahead(rt, own_engine, dossier_id=other, data=PDF)
    assert ahead is not None
    await _deposit(own_engine, rt, committed_dossier, ahead=ahead)
    assert not ahead.taken  # sealed for the other dossier: it would not open here


async def test_taken_content_goes_when_its_transaction_rolls_back(
    own_engine, rt, committed_dossier
):
    ahead = await storage.write_ahead(rt, own_engine, dossier_id=committed_dossier, data=PDF)
    assert ahead is not None
    with pytest.raises(RuntimeError):
        await _deposit(own_engine, rt, committed_dossier, ahead=ahead, fail=True)
    assert ahead.taken
    await settle_cleanups()
    assert await blob_keys(rt, committed_dossier) == []


async def test_nothing_is_written_ahead_without_a_key_to_seal_under(own_engine, rt, monkeypatch):
    puts = _counted_puts(monkeypatch)
    assert await storage.write_ahead(rt, own_engine, dossier_id=uuid.uuid4(), data=PDF) is None
    async with _unit(own_engine) as session:
        purged = (await a_dossier(session, rt)).dossier_id
        await session.execute(update(Dossier).where(Dossier.id == purged).values(wrapped_key=None))
    assert await storage.write_ahead(rt, own_engine, dossier_id=purged, data=PDF) is None
    assert puts == []


async def test_a_store_that_fails_only_loses_the_head_start(
    own_engine, rt, committed_dossier, monkeypatch
):
    assert rt.blobs is not None

    async def full_disk(key: str, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rt.blobs, "put", full_disk)
    assert await storage.write_ahead(rt, own_engine, dossier_id=committed_dossier, data=PDF) is None


async def test_content_written_ahead_of_a_crash_is_collected_after_the_grace(
    own_engine, rt, committed_dossier, wall_clock
):
    # The process dies after writing ahead: no transaction takes it, nobody discards it.
    ahead = await storage.write_ahead(rt, own_engine, dossier_id=committed_dossier, data=PDF)
    assert ahead is not None
    async with _unit(own_engine) as session:
        young = await collect_orphan_blobs(session, rt=rt, older_than=GRACE)
    assert (young.removed, young.kept_young) == (0, 1)
    wall_clock.advance(GRACE + timedelta(minutes=1))
    async with _unit(own_engine) as session:
        late = await collect_orphan_blobs(session, rt=rt, older_than=GRACE)
    assert late.removed == 1
    assert await blob_keys(rt, committed_dossier) == []


def _counted_puts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the key of every blob sealed and stored."""
    keys: list[str] = []
    original = storage.put_sealed

    async def counted(store, data_key, dossier_id, key, plaintext):
        keys.append(key)
        await original(store, data_key, dossier_id, key, plaintext)

    monkeypatch.setattr(storage, "put_sealed", counted)
    return keys
