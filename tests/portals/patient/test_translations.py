"""French first, English second: every sentence of the patient portal has its English
translation, with the same placeholders, and pages switch language on request."""

from __future__ import annotations

import re
from importlib import resources

from babel.messages.pofile import read_po

from tests.portals.patient.catalogue import all_messages

_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _english() -> dict[str, str]:
    folder = resources.files("dmp.portals").joinpath("locales", "en", "LC_MESSAGES")
    merged: dict[str, str] = {}
    for name in ("messages.po", "patient.po"):
        with folder.joinpath(name).open("rb") as handle:
            merged |= {str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}
    return merged


def test_every_sentence_has_its_english_translation_with_the_same_placeholders():
    english = _english()
    messages = all_messages()
    assert len(messages) > 600
    missing = sorted(m for m in messages if not english.get(m))
    assert missing == []
    changed = [
        m for m in messages if set(_PLACEHOLDER.findall(m)) != set(_PLACEHOLDER.findall(english[m]))
    ]
    assert changed == []


async def test_pages_answer_in_english_when_asked_and_remember_it(portal, marie, pages):
    response = await marie.client.get("/mon-dmp?lang=en")
    assert response.headers["content-language"] == "en"
    assert '<html lang="en">' in response.text
    assert "My documents by category" in response.text and "Laboratory tests" in response.text
    assert "dmp_lang" in response.cookies
    again = await marie.client.get("/mon-dmp/gestion")
    assert "Manage my DMP" in again.text and "Access history" in again.text
    french = await marie.client.get("/mon-dmp?lang=fr")
    assert "Mes documents par catégorie" in french.text
