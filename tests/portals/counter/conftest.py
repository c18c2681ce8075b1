"""Fixtures of the counter portal's page tests (see ``harness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.portals.pro.harness import COUNTER, Person, World, pages, world

__all__ = ["pages", "world"]  # the shared fixtures, found by pytest in this namespace


@pytest.fixture
async def agent(world: World) -> AsyncIterator[Person]:
    person = await world.agent(COUNTER)
    yield person
    await person.client.aclose()
