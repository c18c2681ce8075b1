"""Reimbursement imports end to end: store the lines (bulk), then render the history
document of every dossier that received new lines. Used by ``dmp import reimbursements``
(chunked units of work, progress callback) and by the feed endpoint (the request's)."""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.db.uow import unit_of_work
from dmp.documents.storage import settle_cleanups
from dmp.errors import DmpError
from dmp.feeds.history_document import render_history_document
from dmp.feeds.reimbursements import ImportMemo, StoreReport, store_care_lines
from dmp.feeds.schemas import FeedReport
from dmp.feeds.sections import ParsedRow
from dmp.policy import Actor
from dmp.runtime import Runtime

log = logging.getLogger(__name__)
CHUNK = 20_000  # lines per transaction: a crash loses at most one chunk, re-run is idempotent


def feed_report(report: StoreReport, rendered: int) -> FeedReport:
    return FeedReport(
        received=report.received,
        stored=report.stored,
        already_present=report.already_present,
        too_old=report.too_old,
        refused=report.refused,
        reasons=report.reasons,
        documents_rendered=rendered,
    )


async def render_documents(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    actor: Actor,
    dossier_ids: Iterable[uuid.UUID],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """One unit of work per dossier: one dossier's refusal does not undo the others."""
    rendered = 0
    try:
        for dossier_id in dossier_ids:
            try:
                async with unit_of_work(factory) as session:
                    document = await render_history_document(
                        session, rt=rt, actor=actor, dossier_id=dossier_id
                    )
                rendered += document is not None
            except DmpError as error:
                log.warning("history of dossier %s not rendered: %s", dossier_id, error.code)
            if on_progress is not None:
                on_progress(1)
    finally:
        await settle_cleanups()
    return rendered


async def import_care_lines(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    actor: Actor,
    rows: Iterable[ParsedRow],
    render: bool = True,
    on_lines: Callable[[int], None] | None = None,
    on_document: Callable[[int], None] | None = None,
) -> tuple[StoreReport, int]:
    total, memo = StoreReport(), ImportMemo()
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, CHUNK)):
        async with unit_of_work(factory) as session:
            report = await store_care_lines(session, rt=rt, actor=actor, rows=batch, memo=memo)
        total.merge(report)
        if on_lines is not None:
            on_lines(len(batch))
    rendered = 0
    if render:
        rendered = await render_documents(
            factory, rt=rt, actor=actor, dossier_ids=sorted(total.dossiers), on_progress=on_document
        )
    return total, rendered


async def ingest_in_session(
    session: AsyncSession, *, rt: Runtime, actor: Actor, rows: Iterable[ParsedRow]
) -> FeedReport:
    """The endpoint's path: everything in the caller's transaction."""
    report = await store_care_lines(session, rt=rt, actor=actor, rows=rows)
    rendered = 0
    for dossier_id in sorted(report.dossiers):
        document = await render_history_document(session, rt=rt, actor=actor, dossier_id=dossier_id)
        rendered += document is not None
    return feed_report(report, rendered)
