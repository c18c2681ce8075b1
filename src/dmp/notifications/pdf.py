"""A small PDF 1.4 writer: text only, the three standard fonts, A4 pages, wrapped lines.

Enough for postal letters and the reimbursement history, without a dependency. The output
is deterministic (no creation date, fixed object order): the same text gives the same
bytes, so re-rendering unchanged data changes nothing. Text is encoded in WinAnsi
(cp1252), which covers French; anything else becomes "?".
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import StrEnum

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 50


class Font(StrEnum):
    REGULAR = "F1"
    BOLD = "F2"
    MONO = "F3"


_BASE_FONTS = {Font.REGULAR: "Helvetica", Font.BOLD: "Helvetica-Bold", Font.MONO: "Courier"}
# Average advance of a character as a share of the size: exact for Courier, a safe
# upper bound for Helvetica's French text, so wrapped lines stay inside the margins.
_WIDTH_FACTOR = {Font.REGULAR: 0.52, Font.BOLD: 0.56, Font.MONO: 0.6}


@dataclass(frozen=True, slots=True)
class Line:
    text: str = ""
    font: Font = Font.REGULAR
    size: float = 10.0


def heading(text: str, size: float = 14.0) -> Line:
    return Line(text, Font.BOLD, size)


def _escape(text: str) -> bytes:
    out = bytearray()
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += f"\\{byte:03o}".encode()
    return bytes(out)


def _wrapped(lines: list[Line]) -> list[Line]:
    result: list[Line] = []
    usable = PAGE_WIDTH - 2 * MARGIN
    for line in lines:
        width = max(int(usable / (line.size * _WIDTH_FACTOR[line.font])), 10)
        pieces = textwrap.wrap(line.text, width=width, drop_whitespace=False) or [""]
        result.extend(Line(piece.rstrip(), line.font, line.size) for piece in pieces)
    return result


def _pages(lines: list[Line]) -> list[bytes]:
    pages: list[bytes] = []
    stream = bytearray()
    y: float = PAGE_HEIGHT - MARGIN
    for line in _wrapped(lines):
        leading = line.size * 1.35
        if y - leading < MARGIN:
            pages.append(bytes(stream))
            stream, y = bytearray(), PAGE_HEIGHT - MARGIN
        y -= leading
        if line.text:
            stream += b"BT /%s %.1f Tf %d %.1f Td (" % (line.font.encode(), line.size, MARGIN, y)
            stream += _escape(line.text) + b") Tj ET\n"
    pages.append(bytes(stream))
    return pages


def _utf16(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def build_pdf(lines: list[Line], *, title: str) -> bytes:
    pages = _pages(lines)
    font_ids = {font: 3 + i for i, font in enumerate(Font)}
    first_page = 3 + len(Font)
    page_ids = [first_page + 2 * i for i in range(len(pages))]
    info_id = first_page + 2 * len(pages)
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % p for p in page_ids), len(pages)),
        info_id: b"<< /Title %s /Producer (OpenDMP) >>" % _utf16(title),
    }
    resources = b" ".join(b"/%s %d 0 R" % (f.encode(), i) for f, i in font_ids.items())
    for font, object_id in font_ids.items():
        objects[object_id] = (
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
            % _BASE_FONTS[font].encode()
        )
    for page_id, content in zip(page_ids, pages, strict=True):
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << %s >> >>"
            b" /Contents %d 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT, resources, page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for object_id in sorted(objects):
        offsets[object_id] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (object_id, objects[object_id])
    xref = len(out)
    count = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for object_id in range(1, count):
        out += b"%010d 00000 n \n" % offsets[object_id]
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        count,
        info_id,
        xref,
    )
    return bytes(out)
