"""Fixtures of the professional portal's page tests (see ``harness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from dmp.portals.web import Page
from tests.builders.seeded_app import NOW
from tests.conftest import BACKENDS
from tests.portals.pro.harness import GP, Person, World, record_pages, seeded_world


@pytest.fixture(scope="module", params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async for built in seeded_world(tmp_path_factory.mktemp("pro-portal"), request.param):
        yield built


@pytest.fixture(autouse=True)
def pages(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Page]]:
    yield record_pages(world, monkeypatch)
    world.clock.set(NOW)


@pytest.fixture
async def gp(world: World) -> AsyncIterator[Person]:
    person = await world.professional(GP)
    yield person
    await person.client.aclose()
