"""Steps the patient portal's browser tests share: logging in with the code read from the
live server's SMTP sink, and acting on the live server's database through the services
(what a professional or a feed would have done meanwhile)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.runtime import build_runtime
from tests.e2e.conftest import assert_accessible
from tests.e2e.server import LiveServer

T = TypeVar("T")
NEW_PASSWORD = "Les hortensias fleurissent en juillet 2026"
_CODE = re.compile(r"\b(\d{6})\b")


def mail_count(server: LiveServer, address: str) -> int:
    return len([m for m in server.mail.messages() if address in str(m["To"])])


async def code_sent_to(server: LiveServer, address: str, *, after: int) -> str:
    """The code of the first message to ``address`` beyond the ``after`` already there."""
    for _ in range(200):
        messages = [m for m in server.mail.messages() if address in str(m["To"])]
        if len(messages) > after:
            match = _CODE.search(messages[after].get_content())
            assert match, messages[after].get_content()
            return match.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no code reached {address}")


async def in_world(server: LiveServer, work: Callable[[AsyncSession, Any], Awaitable[T]]) -> T:
    """Runs ``work(session, runtime)`` in one committed unit of work on the live database."""
    engine = create_engine(server.settings.effective_database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await work(session, build_runtime(server.settings))
    finally:
        await engine.dispose()


async def log_in(
    page: Page,
    server: LiveServer,
    *,
    login_id: str,
    password: str,
    email: str,
    choose_email: bool = True,
    first_time: bool = True,
    check_pages: bool = False,
) -> None:
    """The whole login as a person does it; a first login also replaces the password.
    ``check_pages`` runs axe-core on each page of the way."""

    async def check() -> None:
        if check_pages:
            await assert_accessible(page)

    await page.goto(server.base_url + "/connexion")
    await page.get_by_label("Identifiant").fill(login_id)
    await page.get_by_label("Mot de passe", exact=True).fill(password)
    before = mail_count(server, email)
    await page.get_by_role("button", name="Continuer").click()
    if choose_email:
        await check()
        await page.get_by_label(re.compile("^Par e-mail")).check()
        await page.get_by_role("button", name="Recevoir mon code").click()
    await expect(page.locator("h1")).to_have_text("Saisissez votre code de connexion")
    await check()
    code = await code_sent_to(server, email, after=before)
    await page.get_by_label("Code reçu (6 chiffres)").fill(code)
    await page.get_by_role("button", name="Valider le code").click()
    if first_time:
        await expect(page.locator("h1")).to_have_text("Choisissez votre mot de passe")
        await check()
        await page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
        await page.get_by_label("Confirmez le nouveau mot de passe").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    await expect(page.locator("h1")).to_have_text(re.compile("Mon DMP|Le DMP de votre enfant"))


def patient(server: LiveServer, label: str) -> Any:
    return next(created for name, _, created in server.world.patients if name.startswith(label))
