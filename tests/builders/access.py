"""Professionals of the directory, the unit of work's commit/rollback, and trace reading."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.facts import load_dossier_facts
from dmp.audit.models import Trace
from dmp.dossiers.models import Dossier
from dmp.errors import DmpError
from dmp.identity.directory import ProfessionalIn, upsert_professionals
from dmp.policy import AccessMode, Actor, DossierFacts
from dmp.runtime import Runtime
from tests.builders.actors import professional

T = TypeVar("T")
_serial = itertools.count(1)


def make_rpps() -> str:
    """A fresh national id: "8" + an 11-digit RPPS, unique within the test run."""
    return f"8{20_000_000_000 + next(_serial):011d}"


async def a_known_professional(
    session: AsyncSession,
    rt: Runtime,
    *,
    profession: str = "10",
    family_name: str = "Curie",
    given_names: str = "Marie",
    mode: AccessMode = AccessMode.NORMAL,
    reason: str | None = None,
) -> Actor:
    """A professional recorded in the directory, as the authentication layer would pass it."""
    national_id = make_rpps()
    await upsert_professionals(
        session,
        rt=rt,
        rows=[
            ProfessionalIn(
                national_id=national_id,
                profession_code=profession,
                family_name=family_name,
                given_names=given_names,
            )
        ],
    )
    return professional(
        national_id, profession, f"{given_names} {family_name}", mode=mode, reason=reason
    )


def in_break_glass(actor: Actor, reason: str = "Patient inconscient aux urgences") -> Actor:
    return professional(
        actor.id, actor.profession or "10", actor.display_name, AccessMode.BREAK_GLASS, reason
    )


async def in_unit_of_work(session: AsyncSession, work: Awaitable[T]) -> T:
    """Runs a service call as the request's unit of work would: a refusal marked
    ``keep_changes`` (a policy denial) keeps its trace, any other refusal is rolled back."""
    savepoint = await session.begin_nested()
    try:
        result = await work
    except DmpError as error:
        if error.keep_changes:
            await savepoint.commit()
        else:
            await savepoint.rollback()
        raise
    await savepoint.commit()
    return result


async def traces_of(session: AsyncSession, dossier_id: uuid.UUID) -> list[Trace]:
    query = select(Trace).where(Trace.dossier_id == dossier_id).order_by(Trace.seq)
    return list((await session.execute(query)).scalars())


async def last_trace(session: AsyncSession, dossier_id: uuid.UUID) -> Trace:
    return (await traces_of(session, dossier_id))[-1]


async def facts_for(
    session: AsyncSession, rt: Runtime, dossier_id: uuid.UUID, actor: Actor
) -> DossierFacts:
    dossier = await session.get(Dossier, dossier_id)
    assert dossier is not None
    return await load_dossier_facts(
        session, dossier=dossier, actor=actor, today=rt.clock.now().date()
    )
