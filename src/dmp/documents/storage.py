"""Document contents in the blob store, written so that a crash never leaves a visible
document without its content, nor an orphan that is never collected.

Order of a write: the sealed blob first (durable when ``put`` returns), then the row in
the caller's transaction. A crash between the two leaves only an unreferenced blob;
``collect_orphan_blobs`` removes such blobs once they are older than a grace period, so
an upload whose transaction is still running is never touched. When the transaction
rolls back (or the session closes without committing) in a live process, the blob is
removed at once, best effort: the collector stays the guarantee.

The blob may also be written before the transaction begins (``write_ahead``, decision
0012): on SQLite the transaction holds the database's one write lock, and sealing and
storing 100 KiB (two fsyncs) was half of a deposit's turn of it. The transaction then
takes it (``write_content(ahead=…)``) only if the dossier's key it was sealed under is
still the dossier's key; otherwise it writes the content again. One not taken is removed
by whoever wrote it (``discard_untaken``), and the collector stays the guarantee.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from dmp.blobs.sealed import SealBroken, get_sealed, put_sealed
from dmp.blobs.store import BlobError, BlobStore, new_blob_key
from dmp.db.direct import DirectStatement
from dmp.documents.errors import ContentUnavailable
from dmp.documents.models import Document, DocumentRecord
from dmp.documents.schemas import GcReport
from dmp.dossiers.models import Dossier, DossierRecord
from dmp.runtime import Runtime

log = logging.getLogger(__name__)

_PENDING = "dmp_documents_pending_blobs"
_LISTENING = "dmp_documents_blob_listeners"
_GC_BATCH = 500
_DOSSIER_KEY = DirectStatement(
    select(Dossier.wrapped_key).where(Dossier.id == bindparam("dossier_id"))
)
# Deletions started after a rollback; kept referenced so they are not garbage-collected
# mid-flight, and awaitable by a process that is about to exit (``settle_cleanups``).
_cleanups: set[asyncio.Task[None]] = set()


def blob_store(rt: Runtime) -> BlobStore:
    if rt.blobs is None:  # pragma: no cover - build_runtime always opens one
        raise RuntimeError("no blob store configured")
    return rt.blobs


# -- writing -----------------------------------------------------------------------------


async def write_content(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier: DossierRecord,
    data: bytes,
    ahead: ContentWrittenAhead | None = None,
) -> str:
    """Seals ``data`` with the dossier's key under a fresh key and stores it durably, or
    takes ``ahead`` (``data`` written before the transaction) if it was sealed under the
    dossier's present key. Returns the key; the caller inserts the row referencing it in
    ``session``."""
    store = blob_store(rt)
    key = ahead.take(dossier) if ahead is not None else None
    if key is None:
        data_key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
        key = new_blob_key(dossier.id)
        await put_sealed(store, data_key, dossier.id, key, data)
    _remove_unless_committed(session, store, key)
    return key


@dataclass(slots=True)
class ContentWrittenAhead:
    """A document's content sealed and stored before its transaction, under the key the
    dossier had then (``wrapped_key``). Taken once, by the transaction that records it."""

    dossier_id: uuid.UUID
    wrapped_key: bytes
    key: str
    taken: bool = False

    def take(self, dossier: DossierRecord) -> str | None:
        """The blob's key if it can stand for ``dossier``'s content: same dossier, same
        key (a purge destroys it), not taken before. The transaction then owns it."""
        if self.taken or dossier.id != self.dossier_id or dossier.wrapped_key != self.wrapped_key:
            return None
        self.taken = True
        return self.key


async def write_ahead(
    rt: Runtime, engine: AsyncEngine, *, dossier_id: uuid.UUID, data: bytes
) -> ContentWrittenAhead | None:
    """``data`` sealed under the dossier's key and stored, before any transaction. None
    if there is no key to seal under (no such dossier, a purged one) or the store
    failed: the transaction then writes the content itself, or refuses the deposit, as
    it would have. The key is read outside the write gate (``DirectStatement.read_alone``).
    The caller removes what its transaction did not take (``discard_untaken``)."""
    rows = await _DOSSIER_KEY.read_alone(engine, {"dossier_id": dossier_id})
    wrapped_key = rows[0].wrapped_key if rows else None
    if wrapped_key is None:
        return None
    data_key = rt.keyring.unwrap(wrapped_key, dossier_id=str(dossier_id))
    key = new_blob_key(dossier_id)
    try:
        await put_sealed(blob_store(rt), data_key, dossier_id, key, data)
    except (BlobError, OSError):
        await discard_content(rt, key)  # in case it failed after the blob took its name
        return None
    return ContentWrittenAhead(dossier_id, wrapped_key, key)


async def discard_untaken(rt: Runtime, written: Iterable[ContentWrittenAhead]) -> None:
    """Removes the blobs written ahead that no transaction took (a refused deposit)."""
    for ahead in written:
        if not ahead.taken:
            await discard_content(rt, ahead.key)


async def discard_content(rt: Runtime, key: str) -> None:
    """Removes a blob whose row could not be written (best effort: gc is the backstop)."""
    with contextlib.suppress(BlobError, OSError):
        await blob_store(rt).delete(key)


def _remove_unless_committed(session: AsyncSession, store: BlobStore, key: str) -> None:
    sync_session = session.sync_session
    if not sync_session.info.get(_LISTENING):
        event.listen(sync_session, "after_commit", _forget_pending)
        event.listen(sync_session, "after_transaction_end", _remove_pending)
        sync_session.info[_LISTENING] = True
    sync_session.info.setdefault(_PENDING, []).append((store, key))


def _forget_pending(sync_session: Session) -> None:
    # Only the outermost commit fires this: the rows are durable, so are their blobs.
    sync_session.info.pop(_PENDING, None)


def _remove_pending(sync_session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without the commit above: rollback or close.
    # A rolled-back savepoint is left to the collector (its outer transaction may still
    # commit other blobs, and telling them apart is not worth the risk).
    if transaction.parent is not None:
        return
    pending: list[tuple[BlobStore, str]] = sync_session.info.pop(_PENDING, [])
    if not pending:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # closed outside the event loop: the collector will do it
        return
    for store, key in pending:
        task = loop.create_task(_delete_quietly(store, key))
        _cleanups.add(task)
        task.add_done_callback(_cleanups.discard)


async def _delete_quietly(store: BlobStore, key: str) -> None:
    try:
        await store.delete(key)
    except (BlobError, OSError):
        log.warning("blob %s not removed after rollback; gc will collect it", key)


async def settle_cleanups() -> None:
    """Waits for the removals started by rollbacks (a CLI calls it before exiting).
    Only this event loop's: another loop's tasks cannot be awaited from here."""
    loop = asyncio.get_running_loop()
    while mine := [task for task in _cleanups if task.get_loop() is loop]:
        await asyncio.gather(*mine, return_exceptions=True)


# -- reading -----------------------------------------------------------------------------


async def read_content(rt: Runtime, *, dossier: DossierRecord, document: DocumentRecord) -> bytes:
    """The plaintext, checked against the hash recorded at deposit."""
    data_key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
    try:
        data = await get_sealed(
            blob_store(rt), data_key, dossier.id, document.blob_key, size_hint=document.size
        )
    except (BlobError, SealBroken) as error:
        log.error("content of document %s unavailable: %s", document.id, error)
        raise ContentUnavailable() from None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        log.error("content of document %s does not match its recorded hash", document.id)
        raise ContentUnavailable()
    return data


# -- garbage collection --------------------------------------------------------------------


async def collect_orphan_blobs(
    session: AsyncSession, *, rt: Runtime, older_than: timedelta
) -> GcReport:
    """Removes blobs no document row references, once older than ``older_than``: a blob
    younger than that may belong to an upload whose transaction has not committed yet.
    Only blobs under a dossier prefix (what ``new_blob_key`` makes) are considered."""
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative")
    store = blob_store(rt)
    cutoff = rt.clock.now() - older_than
    examined = young = removed = 0
    old_keys: list[str] = []
    young_keys: list[str] = []
    async for entry in store.list_with_mtime():
        examined += 1
        if entry.modified_at > cutoff:
            young_keys.append(entry.key)
        else:
            old_keys.append(entry.key)
        if len(young_keys) >= _GC_BATCH:
            young += len(await _unreferenced(session, young_keys))
            young_keys = []
        if len(old_keys) >= _GC_BATCH:
            removed += await _remove_unreferenced(session, store, old_keys)
            old_keys = []
    young += len(await _unreferenced(session, young_keys))
    removed += await _remove_unreferenced(session, store, old_keys)
    temp_removed = 0
    sweep: Any = getattr(store, "remove_stale_temp_files", None)
    if sweep is not None:  # the filesystem store's leftovers of interrupted writes
        temp_removed = await sweep(older_than=older_than, now=rt.clock.now())
    return GcReport(
        examined=examined, kept_young=young, removed=removed, removed_temp_files=temp_removed
    )


def _by_dossier(keys: list[str]) -> dict[uuid.UUID, list[str]]:
    grouped: dict[uuid.UUID, list[str]] = defaultdict(list)
    for key in keys:
        prefix = key.partition("/")[0]
        try:
            grouped[uuid.UUID(prefix)].append(key)
        except ValueError:
            continue  # not a document blob: never ours to remove
    return grouped


async def _unreferenced(session: AsyncSession, keys: list[str]) -> list[str]:
    orphans: list[str] = []
    # Grouped by dossier so each lookup uses the (dossier_id, blob_key) unique index.
    for dossier_id, dossier_keys in _by_dossier(keys).items():
        referenced = set(
            (
                await session.execute(
                    select(Document.blob_key).where(
                        Document.dossier_id == dossier_id, Document.blob_key.in_(dossier_keys)
                    )
                )
            ).scalars()
        )
        orphans.extend(key for key in dossier_keys if key not in referenced)
    return orphans


async def _remove_unreferenced(session: AsyncSession, store: BlobStore, keys: list[str]) -> int:
    orphans = await _unreferenced(session, keys)
    for key in orphans:
        await store.delete(key)
    return len(orphans)
