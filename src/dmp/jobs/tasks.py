"""What the scheduler runs. Each job re-reads what is due when it runs, so running it
twice (two workers, a crash and a retry) does no harm; each dossier it changes is
changed in a unit of work of its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from dmp.access.majority import process_majorities
from dmp.auth.replay import purge_expired_jti
from dmp.auth.sessions import purge_expired_logins
from dmp.db.uow import unit_of_work
from dmp.documents.storage import collect_orphan_blobs
from dmp.dossiers.models import CreationCode
from dmp.dossiers.purge import due_for_purge, purge_dossier
from dmp.errors import DmpError
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.dispensations import remove_expired_dispensations
from dmp.feeds.first_feed import run_first_feed
from dmp.feeds.ingest import render_documents
from dmp.feeds.reimbursements import drop_aged_lines
from dmp.jobs.schedule import FIRST_FEED
from dmp.jobs.scheduler import JobContext, JobFunction, Periodic, purge_finished_jobs
from dmp.notifications.outbox import purge_delivered
from dmp.policy import Actor, ActorKind

SCHEDULER = Actor(kind=ActorKind.SYSTEM, id="job:scheduler", display_name="Tâches planifiées")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


async def first_feed(ctx: JobContext) -> str:
    if ctx.dossier_id is None:
        return "no dossier"
    return await run_first_feed(ctx.factory, rt=ctx.rt, dossier_id=ctx.dossier_id)


async def majority(ctx: JobContext) -> str:
    async with unit_of_work(ctx.factory) as session:
        changed = await process_majorities(session, rt=ctx.rt)
    return f"{changed} dossier(s) changed"


async def dossier_purge(ctx: JobContext) -> str:
    """10 years after closure, or after a requested deletion's cooling-off."""
    async with unit_of_work(ctx.factory) as session:
        due = await due_for_purge(session, rt=ctx.rt)
    purged = 0
    for candidate in due:
        try:
            async with unit_of_work(ctx.factory) as session:
                await purge_dossier(
                    session, rt=ctx.rt, actor=SCHEDULER, dossier_id=candidate.dossier_id
                )
            purged += 1
        except DmpError:  # reactivated or purged meanwhile by someone else: nothing to do
            continue
    return f"{purged} dossier(s) purged"


async def pharmacy_retention(ctx: JobContext) -> str:
    async with unit_of_work(ctx.factory) as session:
        removed = await remove_expired_dispensations(session, rt=ctx.rt)
    return f"{removed} dispensation(s) removed"


async def reimbursement_window(ctx: JobContext) -> str:
    async with unit_of_work(ctx.factory) as session:
        affected = await drop_aged_lines(session, rt=ctx.rt)
    rendered = await render_documents(
        ctx.factory, rt=ctx.rt, actor=ASSURANCE_MALADIE, dossier_ids=affected
    )
    return f"{len(affected)} dossier(s) aged, {rendered} document(s) rendered"


async def creation_codes(ctx: JobContext) -> str:
    """Codes expire on their own; long-expired unused ones are deleted (used ones stay
    with the dossier they created)."""
    limit = ctx.rt.clock.now() - timedelta(days=ctx.rt.settings.creation_code_keep_days)
    async with unit_of_work(ctx.factory) as session:
        result: Any = await session.execute(
            delete(CreationCode).where(
                CreationCode.used_at.is_(None), CreationCode.expires_at < limit
            )
        )
    return f"{int(result.rowcount or 0)} code(s) deleted"


async def logins(ctx: JobContext) -> str:
    async with unit_of_work(ctx.factory) as session:
        sessions = await purge_expired_logins(session, rt=ctx.rt)
        tokens = await purge_expired_jti(session, now=ctx.rt.clock.now())
    return f"{sessions} session(s)/challenge(s), {tokens} jti removed"


async def blob_gc(ctx: JobContext) -> str:
    grace = timedelta(minutes=ctx.rt.settings.blob_gc_grace_minutes)
    async with unit_of_work(ctx.factory) as session:
        report = await collect_orphan_blobs(session, rt=ctx.rt, older_than=grace)
    return f"{report.removed} orphan(s) removed of {report.examined}"


async def housekeeping(ctx: JobContext) -> str:
    async with unit_of_work(ctx.factory) as session:
        messages = await purge_delivered(session, rt=ctx.rt)
        jobs = await purge_finished_jobs(session, rt=ctx.rt)
    return f"{messages} message(s), {jobs} job(s) removed"


PERIODIC: tuple[Periodic, ...] = (
    Periodic("majority", DAY, majority),
    Periodic("dossier_purge", DAY, dossier_purge),
    Periodic("pharmacy_retention", DAY, pharmacy_retention),
    Periodic("reimbursement_window", DAY, reimbursement_window),
    Periodic("creation_codes", DAY, creation_codes),
    Periodic("logins", HOUR, logins),
    Periodic("blob_gc", DAY, blob_gc),
    Periodic("housekeeping", DAY, housekeeping),
)
REGISTRY: dict[str, JobFunction] = {FIRST_FEED: first_feed} | {p.name: p.run for p in PERIODIC}
