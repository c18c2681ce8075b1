"""The CSV reader of the bulk import (columns placed once per file) gives the same lines
and the same refusals as ``parse_line`` on a mapping of the same row."""

from __future__ import annotations

import csv
import io
from datetime import date

from dmp.feeds.sections import LineRefused, ParsedRow, parse_line, read_csv
from tests.builders.nirs import make_nir

TODAY = date(2026, 3, 2)
NIR = make_nir("2", 70)
HEADER = "nir;section;line_id;date_delivrance;libelle;dci;quantite;hospital_flag;code_acte"
ROWS = [
    f"{NIR};pharmacie;  L 1 ;02/01/2026;  PARACETAMOL   1 G ;paracétamol;02;oui;",
    f"{NIR};Pharmacie;;2026-01-03;IBUPROFENE;;;;",
    f"{NIR};pharmacie;;2026-01-03;IBUPROFENE",  # short row: the missing columns are empty
    f"{NIR};pharmacie;;2026-01-03;IBUPROFENE;;;;;en trop",
    f"{NIR};pharmacie;;2026-01-03;IBUPROFENE;;;;G",
    f"{NIR};pharmacie;;2026-13-03;IBUPROFENE;;;;",
    f"{NIR};pharmacie;;2027-01-03;IBUPROFENE;;;;",
    f"{NIR};pharmacie;;2026-01-03;;;;;",
    f"{NIR};pharmacie;;;IBUPROFENE;;;;",
    f"{NIR};pharmacie;;2026-01-03;IBUPROFENE;;deux;;",
    f"{NIR};pharmacie;;2026-01-03;IBUPROFENE;;;peut-être;",
    f"{NIR};dentaire;;2026-01-03;IBUPROFENE;;;;",
    "185057512345699;pharmacie;;2026-01-03;IBUPROFENE;;;;",
    "",  # a blank line is no row
    f"{NIR};pharmacie;;2026-01-04;X;;;;",
]


def by_mapping(text: str) -> list[ParsedRow]:
    stream = io.StringIO(text)
    names = stream.readline().strip().split(";")
    reader = csv.DictReader(stream, fieldnames=names, delimiter=";", restkey="__extra__")
    out = []
    for number, raw in enumerate(reader, start=2):
        try:
            out.append(ParsedRow(number, parse_line(raw, today=TODAY)))
        except LineRefused as error:
            out.append(ParsedRow(number, None, str(error)))
    return out


def test_the_csv_reader_agrees_with_the_mapping_parser():
    text = "\n".join([HEADER, *ROWS]) + "\n"
    read = list(read_csv(text, today=TODAY))
    assert read == by_mapping(text)
    assert len({r.error for r in read} - {None}) == 10  # ten refusals, each its own reason
    assert read[0].line is not None
    assert read[0].line.as_dict()["libelle"] == "PARACETAMOL 1 G"
    assert read[0].line.line_id == "L 1"
    assert [r.number for r in read][-1] == 15


def test_another_sections_column_is_refused_whatever_the_header():
    # Even a header narrower than the section's columns: the mapping parser only looks
    # for foreign columns in a wider one, the CSV reader always does.
    header = "nir;section;date_delivrance;libelle;code_acte"
    text = f"{header}\n{NIR};pharmacie;2026-01-03;IBUPROFENE;G\n"
    (row,) = read_csv(text, today=TODAY)
    assert row.error == "colonnes étrangères à la section pharmacie : code_acte"
