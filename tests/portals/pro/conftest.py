"""Fixtures of the professional portal's page tests (see ``harness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.portals.pro.harness import GP, Person, World, pages, world

__all__ = ["pages", "world"]  # the shared fixtures, found by pytest in this namespace


@pytest.fixture
async def gp(world: World) -> AsyncIterator[Person]:
    person = await world.professional(GP)
    yield person
    await person.client.aclose()
