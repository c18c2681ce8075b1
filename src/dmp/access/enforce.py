"""The one enforcement point: load facts, ask the policy, trace the answer, refuse if denied.

Every service function that reads or changes dossier data calls ``enforce`` first, before
it changes anything: a denial's trace is then the only pending change, and the unit of
work commits it (``keep_changes``) while the request fails.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.facts import load_dossier_facts
from dmp.audit.service import record_trace
from dmp.dossiers.models import DossierRecord
from dmp.errors import AccessDenied
from dmp.notifications import hooks as notify
from dmp.policy import Action, Actor, Context, Decision, DocumentFacts, DossierFacts, decide
from dmp.runtime import Runtime


def context_for(rt: Runtime, *, doctor_present: bool = False) -> Context:
    return Context(now=rt.clock.now(), matrix=rt.matrix, doctor_present=doctor_present)


async def enforce(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    action: Action,
    dossier: DossierRecord,
    document: DocumentFacts | None = None,
    target: str | None = None,
    facts: DossierFacts | None = None,
    doctor_present: bool = False,
) -> Decision:
    """Decides, traces (allowed or denied) and raises ``AccessDenied`` on a denial."""
    facts = facts or await load_dossier_facts(
        session, dossier=dossier, actor=actor, today=rt.clock.now().date()
    )
    decision = decide(
        actor, action, facts, document, context_for(rt, doctor_present=doctor_present)
    )
    # A break-glass justification may be medical: it is kept encrypted with the dossier key.
    reason = actor.break_glass_reason if actor.break_glass_reason and dossier.wrapped_key else None
    data_key = (
        rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id)) if reason else None
    )
    await record_trace(
        session,
        dossier_id=dossier.id,
        actor=actor,
        action=action.value,
        decision=decision,
        at=rt.clock.now(),
        target=target,
        matrix_version=rt.matrix.version if document is not None else None,
        secret_detail=reason,
        data_key=data_key,
    )
    if not decision.allowed:
        error = AccessDenied(reason=decision.reason.value, action=action.value)
        error.keep_changes = True
        raise error
    # Outbox rows in the same transaction as the trace (NOTIFY_PATIENT, first access).
    await notify.after_decision(
        session,
        rt=rt,
        actor=actor,
        action=action,
        dossier=dossier,
        decision=decision,
        target=target,
    )
    return decision
