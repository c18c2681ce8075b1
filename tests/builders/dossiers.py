"""Dossier creation requests and created dossiers for tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.dossiers.schemas import (
    ConsentBy,
    ConsentIn,
    Contact,
    CreatedDossier,
    CreationChannel,
    DossierCreate,
    Identity,
    LegalRepresentativeIn,
    Sex,
)
from dmp.dossiers.service import create_dossier
from dmp.policy import Actor
from dmp.runtime import Runtime
from tests.builders.actors import counter_agent
from tests.builders.nirs import make_nir


def adult_request(nir: str | None = None, **overrides: Any) -> DossierCreate:
    values: dict[str, Any] = {
        "nir": nir or make_nir("2", 85),
        "identity": Identity(
            family_name="Martin", given_names="Jeanne", birth_date=date(1985, 5, 14), sex=Sex.FEMALE
        ),
        "channel": CreationChannel.COUNTER,
        "consent": ConsentIn(given=True),
        "contact": Contact(email="jeanne.martin@example.org"),
    }
    values.update(overrides)
    return DossierCreate(**values)


def minor_request(nir: str | None = None, **overrides: Any) -> DossierCreate:
    values: dict[str, Any] = {
        "nir": nir or make_nir("1", 15),
        "identity": Identity(
            family_name="Martin", given_names="Léo", birth_date=date(2015, 9, 1), sex=Sex.MALE
        ),
        "channel": CreationChannel.COUNTER,
        "consent": ConsentIn(
            given=True,
            by=ConsentBy.LEGAL_REPRESENTATIVE,
            representative=LegalRepresentativeIn(
                family_name="Martin",
                given_names="Jeanne",
                relation="mère",
                contact=Contact(email="jeanne.martin@example.org"),
            ),
        ),
    }
    values.update(overrides)
    return DossierCreate(**values)


async def a_dossier(
    session: AsyncSession,
    rt: Runtime,
    *,
    request: DossierCreate | None = None,
    actor: Actor | None = None,
) -> CreatedDossier:
    return await create_dossier(
        session, rt=rt, actor=actor or counter_agent(), request=request or adult_request()
    )
