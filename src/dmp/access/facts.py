"""Loads what ``policy.decide`` needs to know about a dossier and the actor's relation to it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, outerjoin, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.models import Authorization, TreatingPhysician
from dmp.audit.service import locked_head_subquery, remember_locked_head
from dmp.db.direct import DirectStatement
from dmp.dossiers.errors import DossierNotFound
from dmp.dossiers.models import Dossier, DossierRecord
from dmp.kit.clock import system_clock
from dmp.policy import Actor, ActorKind, AuthorizationState, DossierFacts, DossierStatus

_PROFESSIONAL_KINDS = (ActorKind.PROFESSIONAL, ActorKind.REGULATOR)


def is_minor_on(dossier: DossierRecord, today: date) -> bool:
    """Minority from the date, not only the stored flag: the representatives lose access
    on the 18th birthday itself, even before the daily majority job has run."""
    if not dossier.is_minor:
        return False
    return dossier.majority_on is None or today < dossier.majority_on


def _relations(dossier_id: Any) -> tuple[Any, Any]:
    """The actor's (bound as ``professional_id``) authorization state and treating role on
    the dossier, as two scalar subqueries (the primary keys make each at most one row)."""
    professional_id: BindParameter[str] = bindparam("professional_id")
    state = (
        select(Authorization.state)
        .where(
            Authorization.dossier_id == dossier_id,
            Authorization.professional_id == professional_id,
        )
        .scalar_subquery()
    )
    role = (
        select(TreatingPhysician.role)
        .where(
            TreatingPhysician.dossier_id == dossier_id,
            TreatingPhysician.professional_id == professional_id,
        )
        .scalar_subquery()
    )
    return state, role


# Built once, the values bound at execution: these run on every request of the API, and
# building a statement costs about as much CPU as executing it.
_RELATIONS = select(*_relations(bindparam("dossier_id")))
# A Core row on the driver (``db.direct``), read as a ``DossierRecord``.
_DOSSIER_COLUMNS = tuple(cast(Table, Dossier.__table__).c)
# The dossier, the actor's relations and the dossier's trace head, locked, in one
# statement. Every caller goes on to ``enforce``, whose trace append would read (and on
# PostgreSQL lock) it anyway; done here, it costs no round trip of its own. SQLite
# renders no FOR UPDATE and needs none: its transactions all begin with the database's
# one write lock.
_HEAD = locked_head_subquery()
_STATE, _ROLE = _relations(Dossier.id)


def dossier_facts_select(*columns: Any, outer_join: tuple[Any, Any] | None = None) -> Any:
    """The select behind ``load_dossier_with_facts``, with ``columns`` read alongside
    (from ``outer_join``: a table and its ON clause) for a caller that needs something of
    the same dossier too (``documents.loading`` adds the document read: one round trip
    fewer per retrieval). The dossier's columns and the four above come first."""
    tables = outerjoin(cast(Table, Dossier.__table__), _HEAD, true())
    if outer_join is not None:
        tables = tables.outerjoin(*outer_join)
    return (
        select(
            *_DOSSIER_COLUMNS,
            _STATE.label("actor_authorization"),
            _ROLE.label("actor_role"),
            _HEAD.c.seq.label("head_seq"),
            _HEAD.c.hash.label("head_hash"),
            *columns,
        )
        .select_from(tables)
        .where(Dossier.id == bindparam("dossier_id"))
    )


_DOSSIER_RELATIONS_AND_HEAD = DirectStatement(dossier_facts_select())


async def load_dossier_facts(
    session: AsyncSession, *, dossier: DossierRecord, actor: Actor, today: date | None = None
) -> DossierFacts:
    """``today`` comes from the runtime's clock (``enforce`` passes it); without it the
    system date is used, which only matters to minority on the day of the 18th birthday."""
    state = role = None
    if actor.kind in _PROFESSIONAL_KINDS:
        # One round trip for both relations: this runs on every request of the API.
        parameters = {"dossier_id": dossier.id, "professional_id": actor.id}
        state, role = (await session.execute(_RELATIONS, parameters)).one()
    return _facts(dossier, actor, state, role, today)


async def load_dossier_with_facts(
    session: AsyncSession, *, dossier_id: uuid.UUID, actor: Actor, today: date
) -> tuple[DossierRecord, DossierFacts]:
    """``get_dossier`` and ``load_dossier_facts`` in one query: the API's reads and
    deposits need both first, and each round trip to the database costs more CPU than
    the policy's whole decision."""
    row, facts = await load_dossier_row_with_facts(
        session, _DOSSIER_RELATIONS_AND_HEAD, {}, dossier_id=dossier_id, actor=actor, today=today
    )
    return cast(DossierRecord, row), facts


async def load_dossier_row_with_facts(
    session: AsyncSession,
    statement: DirectStatement,
    parameters: dict[str, Any],
    *,
    dossier_id: uuid.UUID,
    actor: Actor,
    today: date,
) -> tuple[Any, DossierFacts]:
    """``load_dossier_with_facts`` with ``statement``, built by ``dossier_facts_select``
    and bound with ``parameters`` besides the dossier and the actor: (its row, the facts).
    The row is the dossier's columns and more, which nothing reads as the dossier's."""
    # Only a professional has relations to look up: NULL matches no row for the others.
    professional_id = actor.id if actor.kind in _PROFESSIONAL_KINDS else None
    bound = {"dossier_id": dossier_id, "professional_id": professional_id, **parameters}
    row = await statement.first(session, bound)
    if row is None:
        raise DossierNotFound(what="DMP")
    remember_locked_head(session, dossier_id, row.head_seq, row.head_hash)
    dossier = cast(DossierRecord, row)
    return row, _facts(dossier, actor, row.actor_authorization, row.actor_role, today)


def _facts(
    dossier: DossierRecord,
    actor: Actor,
    state: str | None,
    role: str | None,
    today: date | None,
) -> DossierFacts:
    belongs = actor.dossier_id is not None and actor.dossier_id == str(dossier.id)
    professional = actor.kind in _PROFESSIONAL_KINDS
    return DossierFacts(
        status=DossierStatus(dossier.status),
        is_minor=is_minor_on(dossier, today or system_clock.now().date()),
        btg_consent=dossier.btg_consent,
        etreat_consent=dossier.etreat_consent,
        masked_consent=dossier.masked_consent,
        legal_representative_doctor_only=dossier.legal_representative_doctor_only,
        actor_is_holder=belongs and actor.kind is ActorKind.PATIENT,
        actor_is_legal_representative=belongs and actor.kind is ActorKind.LEGAL_REPRESENTATIVE,
        actor_authorization=AuthorizationState(state) if professional and state else None,
        actor_is_treating_physician=professional and role == "treating_physician",
        actor_is_administrator=professional and role == "administrator",
    )
