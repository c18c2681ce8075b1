"""``enforce`` for one actor and action over many dossiers at once (the feeds' bulk
imports): the same facts, the same decision and the same hash-chained trace per dossier
as ``enforce``, but the chain heads are locked, the traces written and the heads moved
in a few statements for the whole set, instead of three round trips per dossier.

A denial does not raise: the caller refuses that dossier's part and goes on, and the
denial's trace is committed with the rest of its unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import context_for, enforce
from dmp.access.facts import load_dossier_facts
from dmp.audit.bulk import record_traces
from dmp.dossiers.models import Dossier
from dmp.errors import AccessDenied
from dmp.notifications import hooks as notify
from dmp.policy import Action, Actor, Decision, DocumentFacts, decide
from dmp.runtime import Runtime

_LOCK_CHUNK = 1000  # dossier ids per locking query (bound parameters stay few)


async def enforce_many(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    action: Action,
    dossiers: Sequence[Dossier],
    document: DocumentFacts | None = None,
    target: str | None = None,
) -> dict[uuid.UUID, Decision]:
    """Decides and traces ``action`` on each dossier; returns each decision (allowed or
    denied). Raises ``TraceUnavailable`` when the traces cannot be written."""
    if actor.break_glass_reason:
        # A secret trace detail is sealed per dossier: the single path knows how.
        return await _one_by_one(
            session, rt=rt, actor=actor, action=action, dossiers=dossiers,
            document=document, target=target,
        )  # fmt: skip
    today, context = rt.clock.now().date(), context_for(rt)
    decisions: dict[uuid.UUID, Decision] = {}
    for dossier in dossiers:
        facts = await load_dossier_facts(session, dossier=dossier, actor=actor, today=today)
        decisions[dossier.id] = decide(actor, action, facts, document, context)
    await record_traces(
        session,
        actor=actor,
        action=action.value,
        decisions=decisions,
        at=rt.clock.now(),
        target=target,
        matrix_version=rt.matrix.version if document is not None else None,
    )
    for dossier in dossiers:
        await notify.after_decision(
            session,
            rt=rt,
            actor=actor,
            action=action,
            dossier=dossier,
            decision=decisions[dossier.id],
            target=target,
        )
    return decisions


async def _one_by_one(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    action: Action,
    dossiers: Sequence[Dossier],
    document: DocumentFacts | None,
    target: str | None,
) -> dict[uuid.UUID, Decision]:
    decisions: dict[uuid.UUID, Decision] = {}
    for dossier in dossiers:
        try:
            decisions[dossier.id] = await enforce(
                session, rt=rt, actor=actor, action=action, dossier=dossier,
                document=document, target=target,
            )  # fmt: skip
        except AccessDenied:
            facts = await load_dossier_facts(
                session, dossier=dossier, actor=actor, today=rt.clock.now().date()
            )
            decisions[dossier.id] = decide(actor, action, facts, document, context_for(rt))
    return decisions
