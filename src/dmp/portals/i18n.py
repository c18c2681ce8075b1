"""French is the source language of every page; English comes from a gettext catalogue
(``locales/en/LC_MESSAGES/*.po``) read once at start-up with Babel, so there is no
compile step to forget."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po
from starlette.requests import Request

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "dmp_lang"


@cache
def _catalogue(language: str) -> dict[str, str]:
    if language == DEFAULT_LANGUAGE:
        return {}
    folder = resources.files("dmp.portals").joinpath("locales", language, "LC_MESSAGES")
    # The shared catalogue first, then each portal's own (patient.po, pro.po…).
    names = sorted(
        (entry.name for entry in folder.iterdir() if entry.name.endswith(".po")),
        key=lambda name: (name != "messages.po", name),
    )
    merged: dict[str, str] = {}
    for name in names:
        with folder.joinpath(name).open("rb") as handle:
            catalog = read_po(handle, locale=language)
        merged.update({str(m.id): str(m.string) for m in catalog if m.id and m.string})
    return merged


def translator(language: str) -> Callable[[str], str]:
    catalogue = _catalogue(language)

    def gettext(message: str) -> str:
        return catalogue.get(message, message)

    return gettext


def request_language(request: Request) -> str:
    """An explicit choice (``?lang=`` or the cookie) wins; otherwise French — a French
    public service answers in French whatever the browser says."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE
