"""The patient portal under test: ``create_app`` on a freshly migrated database (SQLite,
and PostgreSQL when ``DMP_TEST_DATABASE_URL`` is set) with the demo world seeded, a
frozen clock, the real SMTP sink, and an httpx client per person.

Pages are rendered through ``dmp.portals.patient.context.render``: the ``pages`` list
records every ``Page`` (template and context) so tests assert on the context first."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dmp.auth.accounts import AccountKind, find_account, principal_of
from dmp.auth.sessions import open_session
from dmp.cli.seed import SeededWorld
from dmp.config import Settings
from dmp.db.uow import unit_of_work
from dmp.kit.clock import FrozenClock
from dmp.notifications.sink import MailSink
from dmp.portals.patient import context as patient_context
from dmp.portals.web import Page
from dmp.runtime import Runtime
from tests.builders.seeded_app import NOW, seeded_app
from tests.conftest import BACKENDS


@dataclass
class Person:
    client: httpx.AsyncClient
    csrf: str
    dossier_id: uuid.UUID


@dataclass
class Portal:
    app: Any
    settings: Settings
    clock: FrozenClock
    world: SeededWorld
    mail: MailSink
    pages: list[Page] = field(default_factory=list)

    @property
    def rt(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def login_of(self, label: str) -> str:
        return next(c.login_id for name, _, c in self.world.patients if name.startswith(label))

    def created(self, label: str) -> Any:
        return next(c for name, _, c in self.world.patients if name.startswith(label))

    def unit_of_work(self) -> Any:
        return unit_of_work(self.app.state.session_factory)

    async def sign_in(self, label: str) -> Person:
        """A session opened as the login would (password already replaced)."""
        login_id = self.login_of(label)
        async with self.unit_of_work() as session:
            row = await find_account(session, kind=AccountKind.PATIENT, identifier=login_id)
            principal = await principal_of(session, row)
            assert principal is not None
            opened = await open_session(
                session, rt=self.rt, principal=principal, must_change_password=False
            )
        client = self.client()
        client.cookies.set(self.settings.session_cookie_name, opened.token)
        return Person(client, opened.csrf_token, self.created(label).dossier_id)

    @property
    def last(self) -> Page:
        return self.pages[-1]


@pytest.fixture(scope="module", params=BACKENDS)
async def portal(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Portal]:
    folder = tmp_path_factory.mktemp("patient-portal")
    async for seeded in seeded_app(folder, request.param):
        yield Portal(seeded.app, seeded.settings, seeded.clock, seeded.world, seeded.mail)


@pytest.fixture(autouse=True)
def pages(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Page]]:
    """Every page the portal renders during the test, in order."""
    portal.pages.clear()
    original = patient_context.render_page

    def recording(request: Any, page: Page) -> Any:
        portal.pages.append(page)
        return original(request, page)

    monkeypatch.setattr(patient_context, "render_page", recording)
    yield portal.pages
    portal.clock.set(NOW)


@pytest.fixture
async def marie(portal: Portal) -> AsyncIterator[Person]:
    person = await portal.sign_in("Adulte")
    yield person
    await person.client.aclose()


@pytest.fixture
async def mother(portal: Portal) -> AsyncIterator[Person]:
    person = await portal.sign_in("Mineur")
    yield person
    await person.client.aclose()
