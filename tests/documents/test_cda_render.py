"""The CDA inline view: readable, patient-free header, and nothing executable or external."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from dmp.documents.cda_render import render_cda_html
from dmp.errors import DmpError

DATA = Path(__file__).parent.parent / "data"
CR = (DATA / "cda" / "cr-consultation.xml").read_bytes()
CDA_PDF = (DATA / "cda" / "cda-nonxml-pdf.xml").read_bytes()

ALLOWED_TAGS = {
    "article", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "section", "div", "p",
    "ul", "ol", "li", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "strong", "em", "u", "sub", "sup", "br", "span", "small",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"class", "lang", "colspan", "rowspan"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def collect(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def with_narrative(narrative: str) -> bytes:
    section = f"<section><title>Section</title><text>{narrative}</text></section>"
    return CR.replace(
        b"<structuredBody>",
        f"<structuredBody><component>{section}</component>".encode(),
        1,
    )


def test_renders_title_header_and_sections() -> None:
    html = render_cda_html(CR)
    assert isinstance(html, Markup)  # a Jinja2 template embeds it without |safe
    assert "<h1>Compte rendu de consultation de cardiologie</h1>" in html
    assert "<dd>02/03/2026 à 09:30</dd>" in html
    assert "<dd>Dr Jeanne MARTIN</dd>" in html
    assert "Cabinet de cardiologie des Lilas" in html
    for title in ("Motif de consultation", "Antécédents", "Examen clinique"):
        assert f"<h2>{title}</h2>" in html
    assert "<li>Tabagisme sevré en 2021</li>" in html
    assert "<td>&lt; 1,0 g/L</td>" in html  # the narrative's "<" stays text
    assert "<strong>normale</strong>" in html
    assert 'lang="fr-FR"' in html


def test_the_patient_is_not_in_the_header() -> None:
    html = render_cda_html(CR)
    for identity in ("DURAND", "Camille", "284057505612387", "19840512", "Tilleuls"):
        assert identity not in html


def test_only_allowed_markup_comes_out() -> None:
    found = collect(render_cda_html(CR))
    assert set(found.tags) <= ALLOWED_TAGS
    assert found.attributes <= ALLOWED_ATTRIBUTES


HOSTILE = (
    "<paragraph ID='x' styleCode='Bold' onclick='alert(1)'>"
    "&lt;script&gt;alert('xss')&lt;/script&gt;</paragraph>"
    "<linkHtml href='javascript:alert(2)'>cliquer ici</linkHtml>"
    "<renderMultiMedia referencedObject='img1'/>"
    "<content styleCode='Italics' style='background:url(http://evil.example/t.png)'>ok</content>"
    "<xhtml:script xmlns:xhtml='http://www.w3.org/1999/xhtml'>alert(3)</xhtml:script>"
    "<xhtml:img xmlns:xhtml='http://www.w3.org/1999/xhtml' src='http://evil.example/x.png'/>"
    "<table><tr><td colspan='2' rowspan='x\" onmouseover=\"alert(4)'>cell</td></tr></table>"
)


def test_hostile_narrative_is_neutralised() -> None:
    html = str(render_cda_html(with_narrative(HOSTILE)))
    lowered = html.lower()
    for forbidden in ("<script", "javascript:", "href", "src=", "onclick", "onmouseover",
                      "style=", "evil.example", "alert(3)", "<img"):  # fmt: skip
        assert forbidden not in lowered, forbidden
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html  # shown, not run
    assert "cliquer ici" in html  # the link's words survive, not the link
    assert "[image non affichée]" in html
    assert '<td colspan="2">cell</td>' in html
    found = collect(html)
    assert set(found.tags) <= ALLOWED_TAGS
    assert found.attributes <= ALLOWED_ATTRIBUTES


def test_deep_nesting_is_flattened_not_fatal() -> None:
    deep = "<content>" * 150 + "fond du puits" + "</content>" * 150
    html = render_cda_html(with_narrative(deep))
    assert "fond du puits" in html
    assert html.count("<strong>") == 1  # only the sample's own bold survives


def test_non_xml_body_points_to_the_download() -> None:
    html = render_cda_html(CDA_PDF)
    assert "<h1>Compte rendu de consultation (PDF)</h1>" in html
    assert "un fichier PDF" in html
    assert "JVBERi0" not in html  # the base64 PDF is never dumped into the page


def test_unsafe_xml_is_refused() -> None:
    with pytest.raises(DmpError) as caught:
        render_cda_html(CR.replace(b"<ClinicalDocument", b"<!DOCTYPE x>\n<ClinicalDocument", 1))
    assert caught.value.code == "unsafe_xml"


XML_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),  # surrogates and controls cannot appear in XML
        blacklist_characters="\ufffe\uffff",
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(words=XML_TEXT)
def test_any_text_is_shown_verbatim_and_never_as_markup(words: str) -> None:
    escaped = words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = str(render_cda_html(with_narrative(f"<paragraph>{escaped}</paragraph>")))
    found = collect(html)
    assert set(found.tags) <= ALLOWED_TAGS
    # XML normalises line ends to \n; the rest must come back exactly.
    expected = words.replace("\r\n", "\n").replace("\r", "\n")
    assert expected in "".join(found.text)
