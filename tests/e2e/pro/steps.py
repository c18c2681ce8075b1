"""Steps the professional and counter browser tests share: signing in with the code
received in the local mail sink, and reading what a download gave."""

from __future__ import annotations

import asyncio
import re
import subprocess

from playwright.async_api import Page

from dmp.cli.seed_content import DEMO_PASSWORD
from tests.e2e.server import LiveServer

_CODE = re.compile(r"\b(\d{6})\b")
EMAILS = {
    "810002345678": "claire.lefevre@demo-sante.example",
    "810003456789": "karim.benali@demo-sante.example",
    "810004567890": "thi.nguyen@demo-sante.example",
    "810005678901": "sophie.moreau@demo-sante.example",
    "810006789012": "lucas.girard@demo-sante.example",
    "guichet.cpam75": "guichet.paris11@demo-cpam.example",
    "support.dmp": "support@demo-dmp.example",
}


async def code_for(server: LiveServer, address: str, already: int) -> str:
    """The code of the first message to ``address`` after the ``already`` ones."""
    for _ in range(100):
        messages = [m for m in server.mail.messages() if address in str(m["To"])]
        if len(messages) > already:
            match = _CODE.search(messages[already].get_content())
            assert match
            return match.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no code arrived for {address}")


async def sign_in(page: Page, server: LiveServer, prefix: str, identifier: str) -> None:
    address = EMAILS[identifier]
    already = len([m for m in server.mail.messages() if address in str(m["To"])])
    await page.goto(f"{server.base_url}{prefix}/connexion")
    await page.fill("#identifier", identifier)
    await page.fill("#password", DEMO_PASSWORD)
    await page.get_by_role("button", name="Continuer").click()
    await page.fill("#code", await code_for(server, address, already))
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{server.base_url}{prefix}")


def pdf_text(path: str) -> str:
    result = subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())
