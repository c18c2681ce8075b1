"""Small helpers of the patient portal tests: forms, codes from the mail sink."""

from __future__ import annotations

import re
from typing import Any

import httpx

from dmp.notifications.sink import MailSink

_CODE = re.compile(r"\b(\d{6})\b")
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_in(response: httpx.Response) -> str:
    match = _CSRF.search(response.text)
    assert match, "no anti-forgery token on the page"
    return match.group(1)


def last_code(mail: MailSink, address: str) -> str:
    messages = [m for m in mail.messages() if address in str(m["To"])]
    assert messages, f"no mail to {address}"
    match = _CODE.search(messages[-1].get_content())
    assert match
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, url: str, csrf: str, **fields: Any
) -> httpx.Response:
    return await client.post(url, data={"csrf_token": csrf, **fields})
