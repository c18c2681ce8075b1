"""A CDA R2 document as a safe HTML fragment for the portals' inline view.

Only the attested human-readable parts are shown: title, a header without the patient's
identity (type, date, author, organisations) and each section's title and narrative block.
Output is built from an allow-list of narrative elements; every text is escaped, no
attribute is copied except numeric table spans, and links, images and styles are never
carried over, so the fragment cannot run script or fetch anything.
"""

from __future__ import annotations

import re
from html import escape
from zoneinfo import ZoneInfo

from lxml import etree
from markupsafe import Markup

from dmp.documents.cda import CDA_NS, NS, parse_cda, parse_hl7_time

_DISPLAY_ZONE = ZoneInfo("Europe/Paris")
_DIGITS = re.compile(r"^\d+")
_MAX_DEPTH = 32  # deeper narrative is flattened to text: nobody writes it, attackers might
_MAX_HEADING = 6
# Narrative elements rendered as the HTML element of the same meaning.
_BLOCKS = {
    "paragraph": "p",
    "item": "li",
    "table": "table",
    "caption": "caption",
    "thead": "thead",
    "tbody": "tbody",
    "tfoot": "tfoot",
    "tr": "tr",
    "th": "th",
    "td": "td",
    "sub": "sub",
    "sup": "sup",
}
_STYLES = (("bold", "strong"), ("italics", "em"), ("underline", "u"))
_SKIPPED = frozenset({"col", "colgroup", "footnoteRef"})
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_BODY_LABELS = {
    "application/pdf": "un fichier PDF",
    "text/plain": "un texte",
    "image/jpeg": "une image JPEG",
}


def _local(element: etree._Element) -> str | None:
    """The local name of a CDA element; None for comments, PIs and foreign elements."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith(f"{{{CDA_NS}}}"):
        return None
    return tag.split("}", 1)[1]


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _span(value: str | None) -> str:
    return value if value and value.isdigit() and len(value) <= 3 else ""


def _narrative(element: etree._Element, out: list[str], depth: int) -> None:
    """Append the HTML of ``element``'s content (not the element itself)."""
    out.append(escape(element.text or ""))
    for child in element:
        _narrative_element(child, out, depth + 1)
        out.append(escape(child.tail or ""))


def _narrative_element(element: etree._Element, out: list[str], depth: int) -> None:
    name = _local(element)
    if name is None or name in _SKIPPED:
        return
    if depth > _MAX_DEPTH:
        out.append(escape(_text(element)))
    elif name == "br":
        out.append("<br>")
    elif name == "list":
        tag = "ol" if (element.get("listType") or "").lower() == "ordered" else "ul"
        out.append(f"<{tag}>")
        _narrative(element, out, depth)
        out.append(f"</{tag}>")
    elif name in _BLOCKS:
        tag = _BLOCKS[name]
        spans = ""
        if tag in ("td", "th"):
            for attribute in ("colspan", "rowspan"):
                if value := _span(element.get(attribute)):
                    spans += f' {attribute}="{value}"'
        out.append(f"<{tag}{spans}>")
        _narrative(element, out, depth)
        out.append(f"</{tag}>")
    elif name == "content":
        styles = (element.get("styleCode") or "").lower().split()
        wrappers = [html for style, html in _STYLES if style in styles]
        out.extend(f"<{tag}>" for tag in wrappers)
        _narrative(element, out, depth)
        out.extend(f"</{tag}>" for tag in reversed(wrappers))
    elif name == "renderMultiMedia":
        out.append('<span class="cda-omitted">[image non affichée]</span>')
    elif name == "footnote":
        out.append('<small class="cda-footnote">')
        _narrative(element, out, depth)
        out.append("</small>")
    else:  # linkHtml and anything unknown: the words, never the link or the markup
        _narrative(element, out, depth)


def _section(section: etree._Element, out: list[str], level: int, depth: int) -> None:
    out.append('<section class="cda-section">')
    title = _text(section.find("hl7:title", NS))
    if title:
        heading = min(level, _MAX_HEADING)
        out.append(f"<h{heading}>{escape(title)}</h{heading}>")
    text = section.find("hl7:text", NS)
    if text is not None:
        out.append('<div class="cda-narrative">')
        _narrative(text, out, depth)
        out.append("</div>")
    if depth < _MAX_DEPTH:
        for child in section.findall("hl7:component/hl7:section", NS):
            _section(child, out, level + 1, depth + 1)
    out.append("</section>")


def _attribute(element: etree._Element | None, name: str) -> str:
    return str(element.get(name) or "") if element is not None else ""


def _person(element: etree._Element | None) -> str:
    if element is None:
        return ""
    parts = [
        _text(part)
        for tag in ("prefix", "given", "family")
        for part in element.findall(f"hl7:name/hl7:{tag}", NS)
    ]
    return " ".join(p for p in parts if p) or _text(element.find("hl7:name", NS))


def _date(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = parse_hl7_time(value)
    except ValueError:
        return value
    digits = _DIGITS.match(value)
    # A date-only time has no hour worth showing (and no zone shift to apply).
    if digits and len(digits.group()) <= 8:
        return moment.strftime("%d/%m/%Y")
    return moment.astimezone(_DISPLAY_ZONE).strftime("%d/%m/%Y à %H:%M")


def _header(root: etree._Element) -> list[tuple[str, str]]:
    code = root.find("hl7:code", NS)
    author = root.find("hl7:author/hl7:assignedAuthor", NS)
    rows = [
        ("Type", _attribute(code, "displayName")),
        ("Date", _date(_attribute(root.find("hl7:effectiveTime", NS), "value"))),
        ("Auteur", _person(author.find("hl7:assignedPerson", NS)) if author is not None else ""),
        (
            "Structure",
            _text(author.find("hl7:representedOrganization/hl7:name", NS))
            if author is not None
            else "",
        ),
        (
            "Établissement responsable",
            _text(
                root.find(
                    "hl7:custodian/hl7:assignedCustodian/"
                    "hl7:representedCustodianOrganization/hl7:name",
                    NS,
                )
            ),
        ),
    ]
    return [(label, str(value)) for label, value in rows if value]


def render_cda_html(data: bytes) -> Markup:
    """The document as an HTML fragment (``<article>``), safe to embed in a page as is.
    Raises the same ``DmpError`` refusals as ``inspect_content`` for unsafe XML."""
    root = parse_cda(data)
    language = root.find("hl7:languageCode", NS)
    lang = language.get("code", "") if language is not None else ""
    lang_attribute = f' lang="{lang}"' if _LANGUAGE.fullmatch(lang or "") else ""
    code = root.find("hl7:code", NS)
    display = str(code.get("displayName") or "") if code is not None else ""
    title = _text(root.find("hl7:title", NS)) or display or "Document"
    out = [f'<article class="cda-document"{lang_attribute}>', f"<h1>{escape(title)}</h1>"]
    header = _header(root)
    if header:
        out.append('<dl class="cda-header">')
        for label, value in header:
            out.append(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>")
        out.append("</dl>")
    body = root.find("hl7:component/hl7:structuredBody", NS)
    if body is not None:
        for section in body.findall("hl7:component/hl7:section", NS):
            _section(section, out, 2, 0)
    else:
        text = root.find("hl7:component/hl7:nonXMLBody/hl7:text", NS)
        media = (text.get("mediaType") or "text/plain").lower() if text is not None else ""
        label = _BODY_LABELS.get(media, "un fichier joint")
        out.append(
            f'<p class="cda-attachment">Le contenu de ce document est {escape(label)}, '
            "à ouvrir avec le lien de téléchargement.</p>"
        )
    out.append("</article>")
    return Markup("".join(out))  # noqa: S704 — every piece above is escaped or a fixed tag
