"""Logged-in browser contexts kept for a whole module: logging in (code by e-mail, first
password) happens once per person, then each test opens its own tab."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.e2e.conftest import DESKTOP, accept_confirmations
from tests.e2e.patient.steps import log_in, patient
from tests.e2e.server import LiveServer


async def _signed_in(
    browser: Browser, server: LiveServer, label: str, email: str
) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    created = patient(server, label)
    page = await context.new_page()
    await log_in(
        page, server, login_id=created.login_id, password=created.initial_password, email=email
    )
    await page.close()
    yield context
    await context.close()


@pytest.fixture(scope="module")
async def marie_context(browser: Browser, live_server: LiveServer) -> AsyncIterator[BrowserContext]:
    async for context in _signed_in(browser, live_server, "Adulte", "marie.dupont@example.org"):
        yield context


@pytest.fixture
async def marie(marie_context: BrowserContext) -> AsyncIterator[Page]:
    page = await marie_context.new_page()
    # Forms marked data-confirm ask before acting (closing, blocking): the person agrees.
    accept_confirmations(page)
    yield page
    await page.close()
