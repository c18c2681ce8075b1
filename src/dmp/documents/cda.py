"""Safe reading of CDA R2 documents: a hardened parse and the header facts
(``CdaInfo``) that the documents service checks against the submitted metadata.

XML is parsed without DTDs, entities or network access, and any DOCTYPE is refused
before parsing: a CDA R2 document never needs one, and DTDs are how XXE ("external
entity") and entity-expansion ("billion laughs") attacks get in.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

from lxml import etree

from dmp.documents.errors import MalformedContent, NotACda, UnsafeXml

CDA_NS = "urn:hl7-org:v3"
NS = {"hl7": CDA_NS}

_UTF8_BOM = b"\xef\xbb\xbf"
_XML_DECL = re.compile(rb"^<\?xml\b[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
# Case-insensitive and tolerant of spacing: matching too much only refuses a document.
_DTD_MARKUP = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_HL7_TS = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,6})?(?:([+-])(\d{2})(\d{2}))?$"
)
# HL7 TS without an offset is the producer's local time; DMP producers are French.
_PRODUCER_ZONE = ZoneInfo("Europe/Paris")


class CdaBody(StrEnum):
    STRUCTURED = "structured"
    PDF = "pdf"
    TEXT = "text"
    JPEG = "jpeg"


@dataclass(frozen=True, slots=True)
class CdaInfo:
    document_id_root: str
    document_id_extension: str | None
    type_code: str  # LOINC code of the document type (XDS typeCode)
    type_code_system: str | None
    type_display: str | None
    title: str | None
    effective_time: str  # as written (HL7 TS)
    effective_at: datetime  # timezone-aware
    confidentiality_code: str
    language_code: str | None
    template_ids: tuple[str, ...]
    body: CdaBody

    @property
    def structured(self) -> bool:
        return self.body is CdaBody.STRUCTURED

    @property
    def unique_id(self) -> str:
        """The XDS uniqueId of a CDA document: ``root^extension`` (or the root alone)."""
        if self.document_id_extension:
            return f"{self.document_id_root}^{self.document_id_extension}"
        return self.document_id_root


@dataclass(frozen=True, slots=True)
class EmbeddedContent:
    """The decoded content of a nonXMLBody, still to be checked as its media type."""

    media_type: str
    data: bytes


def _malformed(mime: str, detail: str, detail_en: str) -> MalformedContent:
    return MalformedContent(mime=mime, detail=detail, detail_en=detail_en)


def _hardened_parser() -> etree.XMLParser:
    # A new parser per document: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,  # drops <?xml-stylesheet?> and the like: never followed
        collect_ids=False,
    )


def parse_xml_hardened(data: bytes, mime: str = "text/xml") -> etree._Element:
    """Parse with the hardened parser, then refuse any DTD or entity that got through.
    ``parse_cda`` refuses DOCTYPE before getting here; this is the second wall."""
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as error:
        if "limit" in str(error).lower():
            # libxml2 caps text nodes at 10 MB without XML_PARSE_HUGE (huge_tree=False).
            raise _malformed(
                mime,
                "un nœud du XML dépasse la limite du parseur (10 Mo)",
                "an XML node exceeds the parser's limit (10 MB)",
            ) from None
        raise _malformed(
            mime, f"XML mal formé (ligne {error.lineno})", f"malformed XML (line {error.lineno})"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml(detail="déclaration DOCTYPE présente", detail_en="DOCTYPE present")
    if next(root.iter(etree.Entity), None) is not None:
        raise UnsafeXml(detail="référence d'entité présente", detail_en="entity reference present")
    return root


def _check_xml_envelope(data: bytes, mime: str) -> None:
    """Byte-level checks done before any parsing. CDA R2 documents are UTF-8 (ANS rule);
    insisting on it makes the DOCTYPE scan sound, since in UTF-8 the ASCII markup
    characters cannot hide inside multi-byte sequences."""
    body = data.removeprefix(_UTF8_BOM)
    declared = _XML_DECL.match(body.lstrip())
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        encoding = declared.group(1).decode("ascii")
        raise _malformed(
            mime, f"encodage {encoding} refusé (UTF-8 obligatoire)", f"{encoding} is not UTF-8"
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _malformed(
            mime,
            f"XML non UTF-8 (octet invalide à la position {error.start})",
            f"XML is not UTF-8 (invalid byte at offset {error.start})",
        ) from None
    if _DTD_MARKUP.search(body):
        raise UnsafeXml(
            detail="déclaration DOCTYPE ou ENTITY présente",
            detail_en="DOCTYPE or ENTITY declaration present",
        )


def parse_cda(data: bytes, *, mime: str = "text/xml") -> etree._Element:
    """The ``ClinicalDocument`` root of a CDA R2 document, parsed safely."""
    _check_xml_envelope(data, mime)
    root = parse_xml_hardened(data, mime)
    if root.tag != f"{{{CDA_NS}}}ClinicalDocument":
        name = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise NotACda(
            detail=f"racine « {name} » au lieu de ClinicalDocument ({CDA_NS})",
            detail_en=f"root '{name}' instead of ClinicalDocument ({CDA_NS})",
        )
    return root


def parse_hl7_time(value: str) -> datetime:
    """An HL7 TS (``YYYY[MM[DD[HH[MM[SS[.s]]]]]][+-ZZZZ]``) as an aware datetime."""
    match = _HL7_TS.fullmatch(value)
    if not match:
        raise ValueError(value)
    year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone: timezone | ZoneInfo = timezone(-offset if sign == "-" else offset)
    else:
        zone = _PRODUCER_ZONE
    return datetime(
        int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
        int(second or 0), tzinfo=zone,
    )  # fmt: skip


def embedded_content(root: etree._Element) -> EmbeddedContent | None:
    """The decoded nonXMLBody content, or None for a structured body."""
    bodies = root.findall("hl7:component/hl7:structuredBody", NS)
    non_xml = root.findall("hl7:component/hl7:nonXMLBody", NS)
    if len(bodies) + len(non_xml) != 1:
        raise NotACda(
            detail="il faut exactement un corps (structuredBody ou nonXMLBody)",
            detail_en="exactly one body (structuredBody or nonXMLBody) is required",
        )
    if not non_xml:
        return None
    text = non_xml[0].find("hl7:text", NS)
    if text is None:
        raise NotACda(detail="nonXMLBody sans élément text", detail_en="nonXMLBody has no text")
    if text.find("hl7:reference", NS) is not None:
        raise NotACda(
            detail="le corps non structuré référence un contenu externe",
            detail_en="the nonXMLBody references external content",
        )
    if text.get("compression"):
        # Decompressing would let a few kilobytes expand past every size limit.
        raise NotACda(detail="corps compressé non accepté", detail_en="compressed body refused")
    media = str(text.get("mediaType") or "text/plain").strip().lower()
    payload = str(text.text or "")
    representation = str(text.get("representation") or "TXT").upper()
    if representation == "B64":
        try:
            raw = base64.b64decode("".join(payload.split()), validate=True)
        except binascii.Error:
            raise _malformed(
                media, "base64 invalide dans le corps du CDA", "invalid base64 in the CDA body"
            ) from None
    elif representation == "TXT" and media == "text/plain":
        raw = payload.encode("utf-8")
    else:
        raise NotACda(
            detail=f"représentation {representation} non acceptée pour {media}",
            detail_en=f"representation {representation} not accepted for {media}",
        )
    if not raw:
        raise _malformed(media, "corps du CDA vide", "empty CDA body")
    return EmbeddedContent(media_type=media, data=raw)


def _attribute(root: etree._Element, path: str, attribute: str) -> str | None:
    element = root.find(path, NS)
    value = element.get(attribute) if element is not None else None
    return (str(value).strip() or None) if value is not None else None


def _required(root: etree._Element, path: str, attribute: str) -> str:
    value = _attribute(root, path, attribute)
    if value is None:
        where = path.replace("hl7:", "") + "/@" + attribute
        raise NotACda(detail=f"{where} manquant", detail_en=f"missing {where}")
    return value


def cda_info(root: etree._Element, body: CdaBody) -> CdaInfo:
    """The header facts; refuses a document missing what CDA R2 makes mandatory."""
    effective_time = _required(root, "hl7:effectiveTime", "value")
    try:
        effective_at = parse_hl7_time(effective_time)
    except ValueError:
        raise NotACda(
            detail=f"effectiveTime « {effective_time} » invalide",
            detail_en=f"invalid effectiveTime '{effective_time}'",
        ) from None
    title = root.find("hl7:title", NS)
    title_text = " ".join("".join(title.itertext()).split()) if title is not None else ""
    return CdaInfo(
        document_id_root=_required(root, "hl7:id", "root"),
        document_id_extension=_attribute(root, "hl7:id", "extension"),
        type_code=_required(root, "hl7:code", "code"),
        type_code_system=_attribute(root, "hl7:code", "codeSystem"),
        type_display=_attribute(root, "hl7:code", "displayName"),
        title=title_text or None,
        effective_time=effective_time,
        effective_at=effective_at,
        confidentiality_code=_required(root, "hl7:confidentialityCode", "code"),
        language_code=_attribute(root, "hl7:languageCode", "code"),
        template_ids=tuple(
            str(t.get("root")) for t in root.findall("hl7:templateId", NS) if t.get("root")
        ),
        body=body,
    )
