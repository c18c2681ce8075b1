"""Browser tests: Playwright driving Debian's Chromium (installed by .ci/run), axe-core
checks on every page, screenshots at phone and desktop widths.

Each test module gets its own live server with a freshly seeded world, so the state one
module leaves (a changed password, a blocked professional) never leaks into another."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Dialog, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from tests.e2e.server import LiveServer, start_live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
_axe = Axe()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium is required for browser tests: apt-get install chromium (.ci/run does)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESKTOP, locale="fr-FR", java_script_enabled=True)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def page_without_js(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    page = await context.new_page()
    yield page
    await context.close()


async def assert_accessible(page: Page) -> None:
    """axe-core finds no violation of the WCAG 2.1 A and AA rules on the current page."""
    results = await _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    assert violations == [], results.generate_report()


def accept_confirmations(page: Page) -> None:
    """Accepts every confirmation ``enhance.js`` asks (``data-confirm`` forms). ``on``,
    not ``once``: removing the last listener unsubscribes the page from dialogs, and the
    browser may then dismiss one before the accept arrives. An accept that finds the
    dialog gone (Chromium closes one whose page is navigating away: "No dialog is
    showing") is let be: had the confirmation been refused, the form would not have been
    sent, and the test's next assertion on what the form does fails."""

    async def accept(dialog: Dialog) -> None:
        try:
            await dialog.accept()
        except PlaywrightError as error:
            if "No dialog is showing" not in str(error):
                raise

    page.on("dialog", accept)


async def screenshots(page: Page, name: str) -> None:
    """Saves the page at phone and desktop widths under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    if original:
        await page.set_viewport_size(original)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCREENSHOTS.exists():
        terminalreporter.write_line(f"Screenshots of the portals: {SCREENSHOTS}")
