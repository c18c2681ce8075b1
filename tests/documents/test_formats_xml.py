"""Hardened XML: DOCTYPE, entity expansion ("billion laughs") and external entities (XXE)
are refused, before parsing and again by the parser itself."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from lxml import etree

from dmp.documents.cda import parse_xml_hardened
from dmp.errors import DmpError
from tests.documents.samples import (
    CR,
    STRUCTURED,
    cda,
    refused,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>"""


def xxe_payload(secret: Path) -> bytes:
    return cda(
        STRUCTURED,
        header=(
            '<id root="1.2.3"/><code code="11488-4"/><title>&xxe;</title>'
            '<effectiveTime value="20260302"/><confidentialityCode code="N"/>'
        ),
    ).replace(
        b"<ClinicalDocument",
        f'<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        "<ClinicalDocument".encode(),
    )


@pytest.fixture
def parser_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the XML parser was reached")

    monkeypatch.setattr(etree, "fromstring", must_not_parse)


@pytest.mark.usefixtures("parser_never_called")
def test_billion_laughs_is_refused_before_parsing() -> None:
    started = time.perf_counter()
    error = refused(BILLION_LAUGHS, "text/xml", "unsafe_xml")
    assert time.perf_counter() - started < 0.5
    assert "lol" not in str(error.as_dict())


@pytest.mark.usefixtures("parser_never_called")
def test_xxe_is_refused_before_any_file_is_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-7f3a")
    error = refused(xxe_payload(secret), "text/xml", "unsafe_xml")
    assert "SECRET-MARKER" not in str(error.as_dict())
    assert str(secret) not in str(error.as_dict())


def test_the_parser_alone_also_holds_against_entities(tmp_path: Path) -> None:
    """Second wall: even if the DOCTYPE scan were bypassed, the hardened parser neither
    reads the file nor expands entities, and the DTD it saw is refused."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-7f3a")
    for payload in (xxe_payload(secret), BILLION_LAUGHS):
        started = time.perf_counter()
        with pytest.raises(DmpError) as caught:
            parse_xml_hardened(payload)
        assert time.perf_counter() - started < 0.5
        assert caught.value.code in ("unsafe_xml", "malformed_content")
        assert "SECRET-MARKER" not in str(caught.value.as_dict())


def test_the_parser_never_opens_an_external_entity(tmp_path: Path) -> None:
    """Proof that no file is read: the entity points at a FIFO without a writer, so any
    attempt to open it blocks the parsing thread. (A parser with entity resolution on
    does block here; ours returns at once.)"""
    fifo = tmp_path / "entity.fifo"
    os.mkfifo(fifo)
    outcome: list[str] = []

    def parse() -> None:
        try:
            parse_xml_hardened(xxe_payload(fifo))
            outcome.append("parsed")
        except DmpError as error:
            outcome.append(error.code)

    thread = threading.Thread(target=parse, daemon=True)
    thread.start()
    thread.join(timeout=2)
    opened = thread.is_alive()
    if opened:  # let the blocked reader finish before failing
        writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(writer)
        thread.join(timeout=2)
    assert not opened, "the parser opened the external entity's file"
    assert outcome == ["unsafe_xml"]


@pytest.mark.parametrize(
    "prolog",
    [
        "<!DOCTYPE ClinicalDocument>",
        '<!doctype ClinicalDocument SYSTEM "http://example.invalid/cda.dtd">',
        "<!DOCTYPE ClinicalDocument [<!ELEMENT title ANY>]>",
        "<!  DOCTYPE ClinicalDocument>",
    ],
)
def test_any_doctype_is_refused(prolog: str) -> None:
    data = CR.replace(b"<ClinicalDocument", prolog.encode() + b"\n<ClinicalDocument", 1)
    refused(data, "text/xml", "unsafe_xml")
