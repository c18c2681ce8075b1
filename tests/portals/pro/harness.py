"""The professional and counter portals under test: ``create_app`` on a freshly migrated
database (SQLite, and PostgreSQL when ``DMP_TEST_DATABASE_URL`` is set) with the demo
world seeded, a frozen clock, the real SMTP sink, and an httpx client per person.

Pages go through ``dmp.portals.staff.portal.render``: ``pages`` records every ``Page``
(template and context) so that tests assert on the context first, on HTML where it is
the point (markers, absence of medical content, forms)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dmp.auth.accounts import AccountKind, find_account, principal_of
from dmp.auth.sessions import open_session
from dmp.cli.seed import ADULT_NIR, CLOSED_NIR, MINOR_NIR, SeededWorld
from dmp.config import Settings
from dmp.db.uow import unit_of_work
from dmp.kit.clock import FrozenClock
from dmp.notifications.sink import MailSink
from dmp.portals.staff import portal as staff_portal
from dmp.portals.web import Page
from dmp.runtime import Runtime
from tests.builders.seeded_app import NOW, seeded_app
from tests.conftest import BACKENDS

GP, EMERGENCY, PHARMACIST, NURSE, PODIATRIST = (
    "810002345678",
    "810003456789",
    "810004567890",
    "810005678901",
    "810006789012",
)
COUNTER, SUPPORT = "guichet.cpam75", "support.dmp"
__all__ = ["ADULT_NIR", "CLOSED_NIR", "MINOR_NIR"]
_CODE = re.compile(r"\b(\d{6})\b")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html,application/xhtml+xml"}


def csrf_in(response: httpx.Response) -> str:
    match = _CSRF.search(response.text)
    assert match, "no anti-forgery token on the page"
    return match.group(1)


@dataclass
class Person:
    client: httpx.AsyncClient
    csrf: str

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(url, **kwargs)

    async def post(self, url: str, files: Any = None, **fields: Any) -> httpx.Response:
        return await self.client.post(url, data={"csrf_token": self.csrf, **fields}, files=files)


@dataclass
class World:
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

    @property
    def last(self) -> Page:
        return self.pages[-1]

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=HTML)

    def dossier_of(self, nir: str) -> str:
        return str(next(c.dossier_id for _, n, c in self.world.patients if n == nir))

    def last_code(self, address: str) -> str:
        messages = [m for m in self.mail.messages() if address in str(m["To"])]
        assert messages, f"no mail to {address}"
        match = _CODE.search(messages[-1].get_content())
        assert match
        return match.group(1)

    async def sign_in(self, kind: AccountKind, identifier: str) -> Person:
        """A session opened as the login would (the login itself is tested on its own)."""
        async with unit_of_work(self.app.state.session_factory) as session:
            row = await find_account(session, kind=kind, identifier=identifier)
            assert row is not None, identifier
            principal = await principal_of(session, row)
            assert principal is not None
            opened = await open_session(
                session, rt=self.rt, principal=principal, must_change_password=False
            )
        client = self.client()
        client.cookies.set(self.settings.session_cookie_name, opened.token)
        return Person(client, opened.csrf_token)

    async def professional(self, national_id: str) -> Person:
        return await self.sign_in(AccountKind.PROFESSIONAL, national_id)

    async def agent(self, login_id: str) -> Person:
        return await self.sign_in(AccountKind.AGENT, login_id)


# The fixtures both portals' conftest files import (pytest finds them in their namespace).
@pytest.fixture(scope="module", params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async for seeded in seeded_app(tmp_path_factory.mktemp("staff-portal"), request.param):
        yield World(seeded.app, seeded.settings, seeded.clock, seeded.world, seeded.mail)


@pytest.fixture(autouse=True)
def pages(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Page]]:
    world.pages.clear()
    original = staff_portal.render_page

    def recording(request: Any, page: Page) -> Any:
        world.pages.append(page)
        return original(request, page)

    monkeypatch.setattr(staff_portal, "render_page", recording)
    yield world.pages
    world.clock.set(NOW)
