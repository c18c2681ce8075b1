"""The letter writer produces PDFs that real readers open, accents included."""

from __future__ import annotations

import re
import shutil
import subprocess

from dmp.documents.formats import inspect_content
from dmp.kit.pdf import Line, text_pdf


def _pdf() -> bytes:
    lines: list[Line | str] = ["Née le 12/05/1969 à Besançon", Line("Conclusion", bold=True)]
    lines += [f"Ligne {i} (parenthèses) et \\ barre" for i in range(120)]
    return text_pdf("Lettre d'information — Mon DMP", lines)


def test_cross_reference_offsets_point_at_their_objects():
    pdf = _pdf()
    xref_at = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref_at:].startswith(b"xref")
    offsets = [int(m) for m in re.findall(rb"(\d{10}) 00000 n", pdf)]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_long_text_is_paginated_and_accepted_as_a_pdf_document():
    pdf = _pdf()
    assert pdf.count(b"/Type /Page ") >= 3
    info = inspect_content(pdf, declared_mime="application/pdf", max_bytes=1_000_000)
    assert info.format_code == "urn:ihe:iti:xds-sd:pdf:2008"


def test_poppler_reads_the_accents_back():
    assert shutil.which("pdftotext"), "poppler-utils is required (.ci/run installs it)"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=_pdf(), capture_output=True, check=True
    ).stdout.decode()
    assert "Née le 12/05/1969 à Besançon" in text
