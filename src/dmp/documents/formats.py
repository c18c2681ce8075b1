"""What a deposited document really is: its size, server-computed SHA-256, format code and,
for CDA R2, the header facts the documents service checks against the submitted metadata.

Only five formats are accepted (PDF, CDA R2, UTF-8 text, JPEG, PNG), and the bytes must
match the declared type: the declared MIME type decides how the content is later served,
so a mismatch is refused rather than corrected. CDA R2 is read by ``dmp.documents.cda``
(no DTD, no entities, no network).

Format codes (XDS ``formatCode``, FHIR ``DocumentReference.content.format``):
- PDF → ``urn:ihe:iti:xds-sd:pdf:2008``; text → ``urn:ihe:iti:xds-sd:text:2008``;
  JPEG → ``urn:ihe:iti-fr:xds-sd:jpeg:2010`` (ANS TRE_A11/TRE_A06). The same codes apply to
  a CDA whose nonXMLBody carries that format, as the ANS correspondence table ASS_A11 says.
- Structured CDA → the code mapped from the first known ``templateId`` (a subset of
  ASS_A11 below, plus IHE PCC's Medical Summary).
- Anything else (PNG, structured CDA of no known model) →
  ``urn:ihe:iti:xds:2017:mimeTypeSufficient``. ``xds-sd:text`` would wrongly announce an
  unstructured text body and mislead consumers choosing a renderer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from dmp.documents.cda import CdaBody, CdaInfo, cda_info, embedded_content, parse_cda
from dmp.documents.errors import (
    ContentTypeMismatch,
    DocumentTooLarge,
    HashMismatch,
    InvalidHash,
    MalformedContent,
    UnsupportedFormat,
)

FORMAT_PDF = "urn:ihe:iti:xds-sd:pdf:2008"
FORMAT_TEXT = "urn:ihe:iti:xds-sd:text:2008"
FORMAT_JPEG = "urn:ihe:iti-fr:xds-sd:jpeg:2010"
FORMAT_MIME_SUFFICIENT = "urn:ihe:iti:xds:2017:mimeTypeSufficient"

# templateId → formatCode for structured CDA. A subset of ANS ASS_A11 v5.0.0
# (CorresModeleCDA-XdsFormatCode-CISIS), to be completed from the official table.
CDA_TEMPLATE_FORMAT_CODES: Mapping[str, str] = MappingProxyType(
    {
        "1.2.250.1.213.1.1.1.13": "urn:asip:ci-sis:vsm:2012",  # volet de synthèse médicale
        "1.2.250.1.213.1.1.1.21": "urn:asip:ci-sis:ldl-ees:2017",  # lettre de liaison entrée
        "1.2.250.1.213.1.1.1.29": "urn:asip:ci-sis:ldl-ses:2017",  # lettre de liaison sortie
        "1.2.250.1.213.1.1.1.37": "urn:asip:ci-sis:vac:2019",  # historique des vaccinations
        "1.2.250.1.213.1.1.1.46": "urn:asip:ci-sis:vac-note:2021",  # note de vaccination
        "1.2.250.1.213.1.1.1.39": "urn:ihe:pharm:pre:2010",  # prescription
        "1.2.250.1.213.1.1.1.54": "urn:ihe:pharm:dis:2010",  # dispensation
        "1.2.250.1.213.1.1.1.45": "urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013",
        "1.2.250.1.213.1.1.1.55": "urn:ihe:lab:xd-lab:2008",  # CR de biologie
        "1.3.6.1.4.1.19376.1.3.3": "urn:ihe:lab:xd-lab:2008",
        "1.2.250.1.213.1.1.1.51": "urn:ihe:pcc:ips:2020",
        # IHE PCC Medical Summary (XDS-MS): consultation reports without an ANS model.
        "1.3.6.1.4.1.19376.1.5.3.1.1.2": "urn:ihe:pcc:xds-ms:2007",
    }
)


class Kind(StrEnum):
    PDF = "pdf"
    CDA = "cda"
    TEXT = "text"
    JPEG = "jpeg"
    PNG = "png"


DECLARED_TYPES: Mapping[str, Kind] = MappingProxyType(
    {
        "application/pdf": Kind.PDF,
        "text/plain": Kind.TEXT,
        "image/jpeg": Kind.JPEG,
        "image/png": Kind.PNG,
        "text/xml": Kind.CDA,
        "application/xml": Kind.CDA,
        "application/hl7-cda+xml": Kind.CDA,
    }
)
_FORMAT_CODES = {Kind.PDF: FORMAT_PDF, Kind.TEXT: FORMAT_TEXT, Kind.JPEG: FORMAT_JPEG}
_EMBEDDED = {"application/pdf": Kind.PDF, "text/plain": Kind.TEXT, "image/jpeg": Kind.JPEG}
# What sniffing found, as told to the user (fr, en).
_DESCRIBED: dict[Kind | str | None, tuple[str, str]] = {
    Kind.PDF: ("c'est un PDF", "it is a PDF"),
    Kind.CDA: ("c'est du XML", "it is XML"),
    Kind.TEXT: ("c'est du texte", "it is text"),
    Kind.JPEG: ("c'est une image JPEG", "it is a JPEG image"),
    Kind.PNG: ("c'est une image PNG", "it is a PNG image"),
    "html": ("c'est du HTML", "it is HTML"),
    None: ("contenu binaire non reconnu", "unrecognised binary content"),
}

_PDF_MAGIC = b"%PDF-"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_UTF8_BOM = b"\xef\xbb\xbf"
# Readers accept %%EOF within the last 1024 bytes: writers append padding or newlines.
_PDF_EOF_WINDOW = 1024
_HTML_START = re.compile(rb"^\s*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ContentInfo:
    mime: str  # the declared type, normalised (lower case, no parameters)
    format_code: str
    size: int
    sha256: str  # lower-case hex, computed by the server
    cda: CdaInfo | None = None


def sniff(data: bytes) -> Kind | None:
    """The format the bytes themselves announce, whatever was declared."""
    if data.startswith(_PDF_MAGIC):
        return Kind.PDF
    if data.startswith(_PNG_MAGIC):
        return Kind.PNG
    if data.startswith(_JPEG_MAGIC):
        return Kind.JPEG
    if data.removeprefix(_UTF8_BOM).lstrip().startswith(b"<?xml"):
        return Kind.CDA
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
        return Kind.CDA if text.lstrip().startswith("<ClinicalDocument") else Kind.TEXT
    return None


def _mismatch(mime: str, found: Kind | str | None) -> ContentTypeMismatch:
    detail, detail_en = _DESCRIBED[found]
    detected = str(found) if found is not None else None
    return ContentTypeMismatch(declared=mime, detected=detected, detail=detail, detail_en=detail_en)


def _malformed(mime: str, detail: str, detail_en: str) -> MalformedContent:
    return MalformedContent(mime=mime, detail=detail, detail_en=detail_en)


def _check_pdf(data: bytes, mime: str) -> None:
    if not re.match(rb"%PDF-[12]\.\d", data):
        raise _malformed(mime, "en-tête %PDF-x.y absent", "missing %PDF-x.y header")
    if b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise _malformed(
            mime, "marqueur de fin %%EOF absent (fichier tronqué ?)", "no %%EOF (truncated file?)"
        )


def _check_png(data: bytes, mime: str) -> None:
    # The IHDR chunk must come first: a bare signature followed by junk is no image.
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise _malformed(mime, "en-tête IHDR absent", "missing IHDR header")


def _check_jpeg(data: bytes, mime: str) -> None:
    if len(data) < 4:
        raise _malformed(mime, "image tronquée", "truncated image")


def _check_text(data: bytes, mime: str) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _malformed(
            mime,
            f"texte non UTF-8 (octet invalide à la position {error.start})",
            f"not UTF-8 text (invalid byte at offset {error.start})",
        ) from None
    if "\x00" in text:
        raise _malformed(mime, "caractère NUL dans le texte", "NUL character in text")


def _check_kind(kind: Kind, data: bytes, mime: str) -> None:
    """Refuse ``data`` unless it really is ``kind``. Text is the loose one (any UTF-8),
    so it is also refused when it announces a stronger format: a hand-written PDF is pure
    ASCII, and XML or HTML served as text would be another document than the one shown."""
    found = sniff(data)
    if kind is Kind.TEXT:
        if found not in (Kind.TEXT, None):
            raise _mismatch(mime, found)
        if _HTML_START.match(data.removeprefix(_UTF8_BOM)):
            raise _mismatch(mime, "html")
    elif found is not kind:
        raise _mismatch(mime, found)
    checks = {
        Kind.PDF: _check_pdf,
        Kind.PNG: _check_png,
        Kind.JPEG: _check_jpeg,
        Kind.TEXT: _check_text,
    }
    if kind in checks:
        checks[kind](data, mime)


def _inspect_cda(data: bytes, mime: str) -> CdaInfo:
    root = parse_cda(data, mime=mime)
    embedded = embedded_content(root)
    if embedded is None:
        return cda_info(root, CdaBody.STRUCTURED)
    kind = _EMBEDDED.get(embedded.media_type)
    if kind is None:
        raise UnsupportedFormat(mime=f"{embedded.media_type} (corps non structuré du CDA)")
    # Checked as strictly as a direct upload of the same file would be.
    _check_kind(kind, embedded.data, f"{embedded.media_type} (CDA)")
    return cda_info(root, CdaBody(kind.value))


def _cda_format_code(info: CdaInfo) -> str:
    if info.body is not CdaBody.STRUCTURED:
        return _FORMAT_CODES[Kind(info.body.value)]
    for template in info.template_ids:
        if template in CDA_TEMPLATE_FORMAT_CODES:
            return CDA_TEMPLATE_FORMAT_CODES[template]
    return FORMAT_MIME_SUFFICIENT


# -- entry points ------------------------------------------------------------------------


def normalise_mime(declared_mime: str) -> str:
    """``Text/Plain; charset=UTF-8`` → ``text/plain``; refuses a text or XML type whose
    charset is not UTF-8 (or its ASCII subset): we check and serve UTF-8 only."""
    mime, _, parameters = (declared_mime or "").partition(";")
    mime = mime.strip().lower()
    if not (mime.startswith("text/") or mime.endswith("xml")):
        return mime  # a charset means nothing for binary formats
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
            "us-ascii",
        ):
            raise UnsupportedFormat(mime=declared_mime)
    return mime


def inspect_content(data: bytes, *, declared_mime: str, max_bytes: int) -> ContentInfo:
    """Check ``data`` against its declared MIME type and describe it, or refuse it with a
    ``DmpError`` (413 when too large, 415 otherwise)."""
    size = len(data)
    if size > max_bytes:  # before any parsing or hashing: cheap refusal of big uploads
        raise DocumentTooLarge(size=size, limit=max_bytes)
    mime = normalise_mime(declared_mime)
    kind = DECLARED_TYPES.get(mime)
    if kind is None:
        raise UnsupportedFormat(mime=declared_mime)
    if not data:
        raise _malformed(mime, "contenu vide", "empty content")
    cda: CdaInfo | None = None
    if kind is Kind.CDA:
        found = sniff(data)
        # Without an XML declaration the sniffer sees text; the parser decides then.
        if found is not Kind.CDA and not (
            found is Kind.TEXT and data.removeprefix(_UTF8_BOM).lstrip().startswith(b"<")
        ):
            raise _mismatch(mime, found)
        cda = _inspect_cda(data, mime)
        format_code = _cda_format_code(cda)
    else:
        _check_kind(kind, data, mime)
        format_code = _FORMAT_CODES.get(kind, FORMAT_MIME_SUFFICIENT)
    return ContentInfo(
        mime=mime,
        format_code=format_code,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        cda=cda,
    )


def check_declared_hash(info: ContentInfo, client_sha256: str | None) -> None:
    """Refuse the upload when the client sent a SHA-256 (hex, or base64 as in a FHIR
    Attachment) that differs from the server's; no hash sent means nothing to check."""
    if client_sha256 is None or not client_sha256.strip():
        return
    value = client_sha256.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        declared = value.lower()
    else:
        try:
            digest = base64.b64decode(value, validate=True)
        except binascii.Error:
            raise InvalidHash(value=value) from None
        if len(digest) != 32:
            raise InvalidHash(value=value)
        declared = digest.hex()
    if declared != info.sha256:
        raise HashMismatch(declared=value, computed=info.sha256)
