"""The calls other domains make when something the patient must hear about happens: one
function per place in the code where such an event occurs, each a few lines, so that the
hooks in ``access.enforce`` and ``dossiers.service`` stay one line each."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.dossiers.models import DossierRecord
from dmp.notifications.events import notify_dossier_event
from dmp.notifications.templates import PARIS, EventKind, retention_sentence
from dmp.policy import AccessMode, Action, Actor, ActorKind, Decision, Obligation
from dmp.runtime import Runtime

_READS = frozenset({Action.DOCUMENT_LIST, Action.DOCUMENT_READ, Action.DOSSIER_ADMIN_READ})
_PROFESSIONALS = frozenset({ActorKind.PROFESSIONAL, ActorKind.REGULATOR})


async def after_decision(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    action: Action,
    dossier: DossierRecord,
    decision: Decision,
    target: str | None,
) -> None:
    """Called by ``enforce`` once the trace is written: emergency accesses (the policy's
    NOTIFY_PATIENT obligation), a professional's first access, a change of contact data
    by someone else than the person through the portal (which notifies on its own)."""
    if not decision.allowed:
        return
    if actor.kind in _PROFESSIONALS:
        if Obligation.NOTIFY_PATIENT in decision.obligations:
            day = rt.clock.now().astimezone(PARIS).date().isoformat()
            kind = (
                EventKind.REGULATION
                if actor.mode is AccessMode.REGULATION
                else EventKind.BREAK_GLASS
            )
            await notify_dossier_event(
                session, rt=rt, dossier=dossier, kind=kind, event_key=f"{kind}:{actor.id}:{day}"
            )
        elif actor.kind is ActorKind.PROFESSIONAL and action in _READS:
            await notify_dossier_event(
                session,
                rt=rt,
                dossier=dossier,
                kind=EventKind.FIRST_ACCESS,
                event_key=f"{EventKind.FIRST_ACCESS}:{actor.id}",
            )
        return
    if action is Action.DOSSIER_ADMIN_UPDATE and target == "contact":
        # Told before the change is written, hence to the contacts being replaced.
        await notify_dossier_event(
            session,
            rt=rt,
            dossier=dossier,
            kind=EventKind.CONTACT_CHANGED,
            event_key=f"{EventKind.CONTACT_CHANGED}:{dossier.version}",
        )


async def dossier_created(session: AsyncSession, *, rt: Runtime, dossier: DossierRecord) -> None:
    """The acknowledgement of creation, whatever the channel of creation."""
    await notify_dossier_event(
        session,
        rt=rt,
        dossier=dossier,
        kind=EventKind.DOSSIER_CREATED,
        event_key=f"{EventKind.DOSSIER_CREATED}:{dossier.id}",
    )


async def dossier_closed(
    session: AsyncSession, *, rt: Runtime, dossier: DossierRecord, after_death: bool
) -> None:
    if after_death:  # nobody to tell: a notice would only reach the family by surprise
        return
    retention = retention_sentence(
        purge_after=dossier.purge_after, deletion_requested=dossier.deletion_requested
    )
    await notify_dossier_event(
        session,
        rt=rt,
        dossier=dossier,
        kind=EventKind.DOSSIER_CLOSED,
        event_key=f"{EventKind.DOSSIER_CLOSED}:{rt.clock.now().isoformat()}",
        retention=retention,
    )


async def dossier_reactivated(
    session: AsyncSession, *, rt: Runtime, dossier: DossierRecord
) -> None:
    await notify_dossier_event(
        session,
        rt=rt,
        dossier=dossier,
        kind=EventKind.DOSSIER_REACTIVATED,
        event_key=f"{EventKind.DOSSIER_REACTIVATED}:{rt.clock.now().isoformat()}",
    )


async def password_changed(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier: DossierRecord,
    account_id: uuid.UUID,
    representative_id: uuid.UUID | None,
) -> None:
    """For ``auth.credentials.change_password`` on a holder's or representative's account:
    told to that person only."""
    await notify_dossier_event(
        session,
        rt=rt,
        dossier=dossier,
        kind=EventKind.PASSWORD_CHANGED,
        event_key=f"{EventKind.PASSWORD_CHANGED}:{account_id}:{rt.clock.now().isoformat()}",
        only_holder=representative_id is None,
        only_representative=representative_id,
    )
