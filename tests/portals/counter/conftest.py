"""Fixtures of the counter portal's page tests (see ``harness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from dmp.portals.web import Page
from tests.builders.seeded_app import NOW
from tests.conftest import BACKENDS
from tests.portals.pro.harness import COUNTER, Person, World, record_pages, seeded_world


@pytest.fixture(scope="module", params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async for built in seeded_world(tmp_path_factory.mktemp("counter-portal"), request.param):
        yield built


@pytest.fixture(autouse=True)
def pages(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Page]]:
    yield record_pages(world, monkeypatch)
    world.clock.set(NOW)


@pytest.fixture
async def agent(world: World) -> AsyncIterator[Person]:
    person = await world.agent(COUNTER)
    yield person
    await person.client.aclose()
