"""A small, dependency-free PDF writer for letters and demo documents: A4 pages of text
in Helvetica (WinAnsi, so French accents print), with correct cross-reference offsets.

Letters (secrets, creation codes, postal notifications) are simple text: a layout
engine would add a dependency and an attack surface for nothing."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_MARGIN = 56
_LINE_HEIGHT = 15
_WRAP = 88  # characters per line at 10.5 pt Helvetica within the margins


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    size: float = 10.5
    bold: bool = False


def _escape(text: str) -> bytes:
    encoded = text.encode("cp1252", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _layout(title: str, lines: list[Line | str]) -> list[list[Line]]:
    flowing = [Line(title, 16, True), Line("")]
    for item in lines:
        line = item if isinstance(item, Line) else Line(item)
        width = int(_WRAP * 10.5 / line.size)
        wrapped = textwrap.wrap(line.text, width) or [""]
        flowing += [Line(part, line.size, line.bold) for part in wrapped]
    per_page = (_PAGE_HEIGHT - 2 * _MARGIN) // _LINE_HEIGHT
    return [flowing[i : i + per_page] for i in range(0, len(flowing), per_page)] or [[]]


def _page_stream(lines: list[Line]) -> bytes:
    out = [b"BT"]
    y = _PAGE_HEIGHT - _MARGIN
    for line in lines:
        font = b"/F2" if line.bold else b"/F1"
        out.append(
            b"%s %.1f Tf 1 0 0 1 %d %d Tm (%s) Tj"
            % (font, line.size, _MARGIN, y, _escape(line.text))
        )
        y -= _LINE_HEIGHT if line.size <= 12 else _LINE_HEIGHT + 6
    out.append(b"ET")
    return b"\n".join(out)


def text_pdf(title: str, lines: list[Line | str]) -> bytes:
    """A valid PDF 1.4 document holding ``title`` then ``lines`` (wrapped, paginated)."""
    pages = _layout(title, lines)
    objects: list[bytes] = []
    font_regular, font_bold = 3, 4
    first_page = 5
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for name in ("Helvetica", "Helvetica-Bold"):  # objects 3 and 4
        font = f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
        objects.append(font.encode())
    for index, page in enumerate(pages):
        content_ref = first_page + 2 * index + 1
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
                f"/Resources << /Font << /F1 {font_regular} 0 R /F2 {font_bold} 0 R >> >> "
                f"/Contents {content_ref} 0 R >>"
            ).encode()
        )
        stream = _page_stream(page)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))

    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(output)
