"""Destroying a dossier for good when its retention ends (10 years after closure, or
after a requested deletion): the data key is destroyed, every dossier-scoped row and
content is removed, and the dossier row remains as a tombstone without personal data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.base import Base
from dmp.db.registry import import_all_models
from dmp.db.uow import after_commit
from dmp.dossiers import errors
from dmp.dossiers.models import Dossier
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied
from dmp.policy import Action, Actor, DossierFacts, DossierStatus, decide
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class PurgeCandidate:
    dossier_id: uuid.UUID
    closed_at: datetime | None
    purge_after: datetime | None
    deletion_requested: bool


def _dossier_scoped_tables() -> list[Table]:
    import_all_models()
    return [
        table
        for table in Base.metadata.sorted_tables
        if table.name != "dossier" and "dossier_id" in table.columns
    ]


async def due_for_purge(session: AsyncSession, *, rt: Runtime) -> list[PurgeCandidate]:
    rows = (
        await session.execute(
            select(Dossier)
            .where(
                Dossier.status == DossierStatus.CLOSED.value, Dossier.purge_after <= rt.clock.now()
            )
            .order_by(Dossier.purge_after)
        )
    ).scalars()
    return [PurgeCandidate(d.id, d.closed_at, d.purge_after, d.deletion_requested) for d in rows]


async def purge_dossier(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> PurgeCandidate:
    dossier = await get_dossier(session, dossier_id, lock=True)
    if dossier.status == DossierStatus.PURGED.value:
        raise errors.DossierPurged()
    if dossier.status != DossierStatus.CLOSED.value:
        raise errors.DossierNotClosed()
    assert dossier.purge_after is not None
    if dossier.purge_after > rt.clock.now():
        raise errors.PurgeTooEarly(purge_after=dossier.purge_after.date().isoformat())
    decision = decide(actor, Action.DOSSIER_PURGE, DossierFacts(status=DossierStatus.CLOSED))
    if not decision:
        raise AccessDenied(reason=decision.reason.value, action=Action.DOSSIER_PURGE.value)
    candidate = PurgeCandidate(
        dossier.id, dossier.closed_at, dossier.purge_after, dossier.deletion_requested
    )
    # Children first: the sorted order puts referenced tables before referencing ones.
    for table in reversed(_dossier_scoped_tables()):
        await session.execute(delete(table).where(table.c.dossier_id == dossier.id))
    dossier.wrapped_key = None
    dossier.identity_ct = None
    dossier.contact_ct = None
    dossier.majority_on = None
    dossier.notification_preferences = {}
    dossier.status = DossierStatus.PURGED.value
    dossier.purged_at = rt.clock.now()
    dossier.version += 1
    await session.flush()
    blobs = rt.blobs
    if blobs is not None:
        # Contents are unreadable once the key is gone; removing them frees the space.
        prefix = f"{dossier.id}/"

        async def _remove_contents() -> None:
            await blobs.delete_prefix(prefix)

        after_commit(session, _remove_contents)
    return candidate
