"""Our synthetic sample files and small builders shared by the content-inspection tests."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dmp.documents.formats import ContentInfo, inspect_content
from dmp.errors import DmpError

DATA = Path(__file__).parent.parent / "data"
PDF = (DATA / "sample.pdf").read_bytes()
PNG = (DATA / "sample.png").read_bytes()
JPEG = (DATA / "sample.jpg").read_bytes()
CR = (DATA / "cda" / "cr-consultation.xml").read_bytes()
CDA_PDF = (DATA / "cda" / "cda-nonxml-pdf.xml").read_bytes()
TEXT = b"Note du patient : douleurs au genou depuis mars.\n"
LIMIT = 1024 * 1024
MIMES = sorted(
    {"application/pdf", "text/plain", "image/jpeg", "image/png", "text/xml", "application/xml"}
    | {"application/hl7-cda+xml", "image/gif", "application/octet-stream", "text/html", ""}
)


def inspect(data: bytes, mime: str, limit: int = LIMIT) -> ContentInfo:
    return inspect_content(data, declared_mime=mime, max_bytes=limit)


def refused(data: bytes, mime: str, code: str, status: int = 415, limit: int = LIMIT) -> DmpError:
    with pytest.raises(DmpError) as caught:
        inspect(data, mime, limit)
    error = caught.value
    assert (error.code, error.status) == (code, status), error.as_dict()
    for language in ("fr", "en"):  # both messages fully filled in
        assert "{" not in error.message(language), error.message(language)
    return error


def cda(body: str, header: str | None = None) -> bytes:
    """A minimal valid CDA header around ``body`` (the component content)."""
    head = header or (
        '<id root="1.2.3.4" extension="X1"/>'
        '<code code="11488-4" codeSystem="2.16.840.1.113883.6.1"/>'
        '<title>Essai</title><effectiveTime value="20260302093000+0100"/>'
        '<confidentialityCode code="N"/>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3">'
        f"{head}<component>{body}</component></ClinicalDocument>"
    ).encode()


STRUCTURED = (
    "<structuredBody><component><section><title>A</title></section></component></structuredBody>"
)


def non_xml(payload: bytes, media: str = "application/pdf", extra: str = "") -> bytes:
    encoded = base64.b64encode(payload).decode()
    return cda(
        f'<nonXMLBody><text mediaType="{media}" representation="B64"{extra}>{encoded}</text>'
        "</nonXMLBody>"
    )
