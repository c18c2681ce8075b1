"""Content inspection: accepted formats, sniffing against the declared type, CDA header
extraction and the server-computed hash. XML attacks are in test_formats_xml.py."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmp.documents import cda as cda_module
from dmp.documents.cda import CdaBody
from dmp.documents.formats import (
    FORMAT_MIME_SUFFICIENT,
    FORMAT_PDF,
    FORMAT_TEXT,
    check_declared_hash,
)
from dmp.errors import DmpError
from tests.documents.samples import (
    CDA_PDF,
    CR,
    JPEG,
    MIMES,
    PDF,
    PNG,
    STRUCTURED,
    TEXT,
    cda,
    inspect,
    non_xml,
    refused,
)

# -- accepted ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "mime", "format_code"),
    [
        (PDF, "application/pdf", FORMAT_PDF),
        (TEXT, "text/plain; charset=UTF-8", FORMAT_TEXT),
        (JPEG, "image/jpeg", "urn:ihe:iti-fr:xds-sd:jpeg:2010"),
        (PNG, "Image/PNG", FORMAT_MIME_SUFFICIENT),
        (CR, "text/xml", "urn:ihe:pcc:xds-ms:2007"),
        (CDA_PDF, "application/hl7-cda+xml", FORMAT_PDF),
    ],
    ids=["pdf", "text", "jpeg", "png", "cda-structured", "cda-pdf"],
)
def test_accepted_formats(data: bytes, mime: str, format_code: str) -> None:
    info = inspect(data, mime)
    assert info.format_code == format_code
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.mime == mime.split(";")[0].lower()


def test_structured_cda_header_is_extracted() -> None:
    info = inspect(CR, "application/xml").cda
    assert info is not None
    assert info.document_id_root == "8D0ED8EF-6321-46E1-B320-7768885F1B9E"
    assert info.document_id_extension == "CR-2026-000412"
    assert info.unique_id == "8D0ED8EF-6321-46E1-B320-7768885F1B9E^CR-2026-000412"
    assert (info.type_code, info.type_code_system) == ("11488-4", "2.16.840.1.113883.6.1")
    assert info.title == "Compte rendu de consultation de cardiologie"
    assert info.effective_time == "20260302093000+0100"
    assert info.effective_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert info.confidentiality_code == "N"
    assert info.language_code == "fr-FR"
    assert "1.2.250.1.213.1.1.1.1" in info.template_ids
    assert info.body is CdaBody.STRUCTURED
    assert info.structured


def test_non_xml_body_carries_the_sample_pdf_byte_for_byte() -> None:
    info = inspect(CDA_PDF, "text/xml").cda
    assert info is not None
    assert info.body is CdaBody.PDF
    assert not info.structured
    assert info.unique_id == "2BD1D77F-2BA0-41CC-AC41-A406F9520C67"
    root = cda_module.parse_cda(CDA_PDF)
    embedded = cda_module.embedded_content(root)
    assert embedded is not None
    assert embedded.data == PDF


def test_non_xml_body_in_plain_text() -> None:
    data = cda('<nonXMLBody><text mediaType="text/plain">Texte libre</text></nonXMLBody>')
    info = inspect(data, "text/xml")
    assert info.cda is not None
    assert info.cda.body is CdaBody.TEXT
    assert info.format_code == FORMAT_TEXT


def test_structured_format_code_follows_the_ans_template() -> None:
    vsm = CR.replace(
        b'<templateId root="1.3.6.1.4.1.19376.1.5.3.1.1.2"/>',
        b'<templateId root="1.2.250.1.213.1.1.1.13"/>',
    )
    assert inspect(vsm, "text/xml").format_code == "urn:asip:ci-sis:vsm:2012"
    assert inspect(cda(STRUCTURED), "text/xml").format_code == FORMAT_MIME_SUFFICIENT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20260302", datetime(2026, 3, 1, 23, 0, tzinfo=UTC)),  # no offset: Paris time
        ("202607011200", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
        ("20260302093000.123-0500", datetime(2026, 3, 2, 14, 30, tzinfo=UTC)),
    ],
)
def test_effective_time_precisions(value: str, expected: datetime) -> None:
    head = (
        f'<id root="1.2.3"/><code code="11488-4"/><effectiveTime value="{value}"/>'
        '<confidentialityCode code="N"/>'
    )
    info = inspect(cda(STRUCTURED, head), "text/xml").cda
    assert info is not None
    assert info.effective_at == expected


# -- refused: size, type, sniffing -----------------------------------------------------------


def test_oversize_is_refused_before_any_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed an oversized document")

    monkeypatch.setattr(cda_module, "parse_xml_hardened", must_not_parse)
    error = refused(CR, "text/xml", "document_too_large", 413, limit=len(CR) - 1)
    assert error.fields == {"size": len(CR), "limit": len(CR) - 1}
    assert inspect(PDF, "application/pdf", limit=len(PDF)).size == len(PDF)  # limit inclusive


@pytest.mark.parametrize(
    "mime", ["application/msword", "image/gif", "text/html", "application/octet-stream", ""]
)
def test_unsupported_declared_types(mime: str) -> None:
    refused(PDF, mime, "unsupported_format")


def test_a_non_utf8_charset_is_refused() -> None:
    refused(TEXT, "text/plain; charset=ISO-8859-1", "unsupported_format")
    assert inspect(PDF, "application/pdf; charset=binary").mime == "application/pdf"


@pytest.mark.parametrize(
    ("data", "mime", "detected"),
    [
        (PNG, "application/pdf", "png"),
        (TEXT, "image/png", "text"),
        (PDF, "text/plain", "pdf"),
        (JPEG, "image/png", "jpeg"),
        (PNG, "image/jpeg", "png"),
        (CR, "application/pdf", "cda"),
        (PDF, "text/xml", "pdf"),
        (CR, "text/plain", "cda"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/plain", "html"),
        (TEXT, "application/xml", "text"),
        (b"\x00\x01\x02garbage", "application/pdf", None),
    ],
    ids=[
        "png-as-pdf", "text-as-png", "pdf-as-text", "jpeg-as-png", "png-as-jpeg", "cda-as-pdf",
        "pdf-as-xml", "xml-as-text", "html-as-text", "text-as-xml", "binary-as-pdf",
    ],
)  # fmt: skip
def test_content_must_match_its_declared_type(data: bytes, mime: str, detected: str) -> None:
    error = refused(data, mime, "content_type_mismatch")
    assert error.fields["declared"] == mime
    assert error.fields["detected"] == detected


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PDF[:-10], "application/pdf"),  # truncated: no %%EOF
        (b"%PDF-x.y\n%%EOF", "application/pdf"),
        (b"", "application/pdf"),
        (b"caf\xe9 au lait", "text/plain"),  # Latin-1, not UTF-8
        (b"texte\x00cache", "text/plain"),
        (PNG[:8] + b"\x00" * 40, "image/png"),  # signature without IHDR
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"<?xml version='1.0'?><ClinicalDocument", "text/xml"),  # not well-formed
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "text/xml"),
    ],
)
def test_malformed_content(data: bytes, mime: str) -> None:
    refused(data, mime, "malformed_content")


# -- refused: not a CDA --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><Bundle xmlns="http://hl7.org/fhir"/>',
        b"<?xml version='1.0'?><ClinicalDocument><id root='1'/></ClinicalDocument>",  # no ns
        cda(STRUCTURED, header='<code code="1"/><effectiveTime value="2026"/>'),  # no id
        cda(STRUCTURED, header='<id root="1"/><effectiveTime value="2026"/>'),  # no code
        cda(
            STRUCTURED,
            header='<id root="1"/><code code="1"/><effectiveTime value="20261399"/>'
            '<confidentialityCode code="N"/>',
        ),
        cda(""),  # no body
        cda(STRUCTURED + "</component><component>" + STRUCTURED),  # two bodies
        cda('<nonXMLBody><text mediaType="application/pdf"><reference value="http://x/y.pdf"/>'
            "</text></nonXMLBody>"),
        non_xml(PDF, extra=' compression="DF"'),
        cda('<nonXMLBody><text mediaType="application/pdf">%PDF-1.4 inline</text></nonXMLBody>'),
    ],
    ids=[
        "fhir", "no-namespace", "no-id", "no-code", "bad-time", "no-body", "two-bodies",
        "external-reference", "compressed", "pdf-not-base64",
    ],
)  # fmt: skip
def test_not_a_cda(data: bytes) -> None:
    refused(data, "text/xml", "not_a_cda")


def test_non_xml_body_contents_are_checked_like_uploads() -> None:
    refused(non_xml(PNG), "text/xml", "content_type_mismatch")
    refused(non_xml(PDF[:-10]), "text/xml", "malformed_content")
    refused(non_xml(b"x", media="image/tiff"), "text/xml", "unsupported_format")
    broken = cda('<nonXMLBody><text mediaType="application/pdf" representation="B64">'
                 "***not base64***</text></nonXMLBody>")  # fmt: skip
    refused(broken, "text/xml", "malformed_content")


# -- hash --------------------------------------------------------------------------------------


def test_declared_hash() -> None:
    info = inspect(PDF, "application/pdf")
    digest = hashlib.sha256(PDF).digest()
    check_declared_hash(info, None)
    check_declared_hash(info, "")
    check_declared_hash(info, digest.hex().upper())
    check_declared_hash(info, base64.b64encode(digest).decode())  # FHIR Attachment.hash style
    with pytest.raises(DmpError) as caught:
        check_declared_hash(info, hashlib.sha256(b"other").hexdigest())
    assert (caught.value.code, caught.value.status) == ("hash_mismatch", 400)
    assert caught.value.fields["computed"] == info.sha256
    for garbage in ("abc", "zz" * 32, base64.b64encode(b"short").decode()):
        with pytest.raises(DmpError) as caught:
            check_declared_hash(info, garbage)
        assert caught.value.code == "invalid_hash"


# -- robustness --------------------------------------------------------------------------------

SIGNATURES = [b"", b"%PDF-1.7\n", PNG[:16], b"\xff\xd8\xff\xe0", b"<?xml version='1.0'?>", b"<"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=st.sampled_from(SIGNATURES),
    body=st.binary(max_size=400),
    tail=st.sampled_from([b"", b"%%EOF", b"</ClinicalDocument>"]),
    mime=st.sampled_from(MIMES),
)
def test_random_bytes_never_crash(head: bytes, body: bytes, tail: bytes, mime: str) -> None:
    data = head + body + tail
    status = 200
    try:
        info = inspect(data, mime)
    except DmpError as error:
        status = error.status
    else:
        assert info.size == len(data)
    assert status == 200 or 400 <= status < 500


MARKUP = st.sampled_from(
    ["<", ">", "/", "=", '"', "&", ";", "ClinicalDocument", 'xmlns="urn:hl7-org:v3"', "!", "?",
     "component", "structuredBody", "nonXMLBody", "text", " ", "&#0;", "]]>", "<![CDATA[", "é"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(fragments=st.lists(MARKUP, max_size=40))
def test_random_markup_never_crashes(fragments: list[str]) -> None:
    data = ("<?xml version='1.0'?>" + "".join(fragments)).encode()
    status = 200
    try:
        inspect(data, "text/xml")
    except DmpError as error:
        status = error.status
    assert status in (200, 415)
