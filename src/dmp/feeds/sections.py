"""Care lines of the reimbursement history, parsed and normalised (pure: no I/O).

The five sections and their columns come from ``reference/reimbursement-sections.csv``;
a line has ``nir``, ``section``, optionally the insurer's own ``line_id``, and the
columns of its section. Values are normalised (dates in ISO, decimals with a dot, the
hospital marker as "H" or empty) so that the same care line always has the same
canonical form, whatever the file's formatting: that form is the line's identity.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from dmp.identity.errors import InvalidNir
from dmp.identity.nir import parse_nir
from dmp.reference import reimbursement_sections

MAX_TEXT = 200
_INTEGERS = frozenset({"quantite", "duree_sejour_jours"})
_DECIMALS = frozenset({"coefficient"})
_TRUE = frozenset({"h", "1", "oui", "o", "true", "vrai", "x"})
_FALSE = frozenset({"", "0", "non", "n", "false", "faux"})
_EXTRA = "__extra__"  # where the CSV reader puts values beyond the header's columns


class LineRefused(ValueError):
    """A line that cannot be taken: the message says why, in French."""


@dataclass(frozen=True, slots=True)
class CareLine:
    nir: str
    section: str
    care_date: date
    values: tuple[tuple[str, str], ...]  # the section's columns, in the reference's order
    line_id: str = ""

    def canonical(self) -> bytes:
        """The identity of the line: equal for the same care, whatever the file."""
        parts = [self.section, self.line_id, *(f"{k}={v}" for k, v in self.values)]
        return "\x1f".join(parts).encode()

    def as_dict(self) -> dict[str, str]:
        return dict(self.values)


def sections() -> dict[str, tuple[str, list[str]]]:
    return reimbursement_sections()


def date_column(section: str) -> str:
    return _date_columns()[section]


@cache
def _date_columns() -> dict[str, str]:
    return {
        section: next(c for c in columns if c.startswith("date_"))
        for section, (_label, columns) in sections().items()
    }


def all_columns() -> list[str]:
    seen: list[str] = ["nir", "section", "line_id"]
    for _label, columns in sections().values():
        seen += [c for c in columns if c not in seen]
    return seen


def parse_date(raw: str) -> date:
    text = raw.strip()
    try:
        return date.fromisoformat(text)  # the C parser: the common case stays cheap
    except ValueError:
        pass
    day, _, rest = text.partition("/")
    month, _, year = rest.partition("/")
    if len(year) == 4 and (day + month + year).isdigit():
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            pass
    raise LineRefused(f"date illisible : {raw!r} (AAAA-MM-JJ ou JJ/MM/AAAA)")


def _as_date(column: str, text: str) -> str:
    return parse_date(text).isoformat() if text else ""


def _as_flag(column: str, text: str) -> str:
    folded = text.lower()
    if folded in _TRUE:
        return "H"
    if folded in _FALSE:
        return ""
    raise LineRefused(f"marqueur hospitalier illisible : {text!r} (H ou vide)")


def _as_integer(column: str, text: str) -> str:
    if not text:
        return ""
    if not text.isdigit():
        raise LineRefused(f"{column} : nombre entier attendu, pas {text!r}")
    return str(int(text))


def _as_decimal(column: str, text: str) -> str:
    if not text:
        return ""
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise LineRefused(f"{column} : nombre attendu, pas {text!r}") from None
    return format(number.normalize(), "f")


def _as_text(column: str, text: str) -> str:
    if len(text) > MAX_TEXT:
        raise LineRefused(f"{column} : plus de {MAX_TEXT} caractères")
    return text


def _kind_of(column: str) -> Callable[[str, str], str]:
    if column.startswith("date_"):
        return _as_date
    if column == "hospital_flag":
        return _as_flag
    if column in _INTEGERS:
        return _as_integer
    if column in _DECIMALS:
        return _as_decimal
    return _as_text


@cache
def _plans() -> dict[str, tuple[tuple[str, Callable[[str, str], str]], ...]]:
    """Per section, each column with its normaliser: decided once, not per line."""
    return {
        section: tuple((c, _kind_of(c)) for c in columns)
        for section, (_label, columns) in sections().items()
    }


def _clean(raw: object) -> str:
    text = str(raw).strip() if raw is not None else ""
    if "  " in text or "\t" in text or "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return text


@lru_cache(maxsize=65_536)
def _checked_nir(raw: str) -> str:
    """Files repeat a person's NIR on every line: checked once per distinct spelling."""
    try:
        return parse_nir(raw).value
    except InvalidNir as error:
        raise LineRefused(f"NIR invalide : {error.message('fr')}") from None


def parse_line(raw: Mapping[str, str | None], *, today: date | None = None) -> CareLine:
    """One line from a mapping of column → text (a CSV row, a JSON object)."""
    return build_line(_checked_nir(raw.get("nir") or ""), raw, today=today)


def build_line(nir: str, raw: Mapping[str, str | None], *, today: date | None = None) -> CareLine:
    """A line of the person ``nir`` (already checked, or empty for a line not yet tied
    to a person) from its section and columns."""
    section = (raw.get("section") or "").strip().lower()
    plan = _plans().get(section)
    if plan is None:
        known = ", ".join(sections())
        raise LineRefused(f"section inconnue : {section!r} (attendu : {known})")
    if raw.get(_EXTRA):
        raise LineRefused("plus de valeurs que de colonnes dans l'en-tête")
    if len(raw) > len(plan) + 3:  # only then can a column of another section be filled
        _refuse_foreign(section, raw)
    values = tuple(
        (column, normalise(column, _clean(raw.get(column)))) for column, normalise in plan
    )
    date_name = _date_columns()[section]
    care_date_text = next(v for c, v in values if c == date_name)
    if not care_date_text:
        raise LineRefused(f"{date_name} manquante")
    care_date = date.fromisoformat(care_date_text)
    if today is not None and care_date > today:
        raise LineRefused(f"date dans le futur : {care_date.isoformat()}")
    if not any(v for c, v in values if not c.startswith("date_") and c != "hospital_flag"):
        raise LineRefused("ligne vide : ni libellé, ni code")
    line_id = " ".join(str(raw.get("line_id") or "").split())[:64]
    return CareLine(nir, section, care_date, values, line_id)


@cache
def _allowed(section: str) -> frozenset[str]:
    return frozenset({*sections()[section][1], "nir", "section", "line_id", _EXTRA})


def _refuse_foreign(section: str, raw: Mapping[str, object]) -> None:
    allowed = _allowed(section)
    foreign = sorted(str(k) for k, v in raw.items() if v not in (None, "") and k not in allowed)
    if foreign:
        raise LineRefused(f"colonnes étrangères à la section {section} : {', '.join(foreign)}")


@dataclass(frozen=True, slots=True)
class ParsedRow:
    number: int  # 1-based line number in the file (the header is line 1)
    line: CareLine | None
    error: str | None = None


def parse_rows(
    rows: Iterable[Mapping[str, str | None]], *, today: date, first: int = 2
) -> Iterator[ParsedRow]:
    for number, raw in enumerate(rows, start=first):
        try:
            yield ParsedRow(number, parse_line(raw, today=today))
        except LineRefused as error:
            yield ParsedRow(number, None, str(error))


def read_csv(text: str | io.TextIOBase, *, today: date) -> Iterator[ParsedRow]:
    """A CSV with a header row; comma or semicolon separated (French spreadsheets)."""
    stream = io.StringIO(text) if isinstance(text, str) else text
    header = stream.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [name.strip().lower() for name in next(csv.reader([header], delimiter=delimiter))]
    missing = {"nir", "section"} - set(names)
    if missing:
        raise LineRefused(f"en-tête sans colonne {', '.join(sorted(missing))}")
    unknown = set(names) - set(all_columns())
    if unknown:
        raise LineRefused(f"colonnes inconnues : {', '.join(sorted(unknown))}")
    parse = row_parser(names, today=today)
    number = 1
    for row in csv.reader(stream, delimiter=delimiter):
        if not row:  # a blank line is no row (as csv.DictReader skips it)
            continue
        number += 1
        try:
            yield ParsedRow(number, parse(row))
        except LineRefused as error:
            yield ParsedRow(number, None, str(error))


@dataclass(frozen=True, slots=True)
class _Plan:
    """One section read from one header: where each of its columns is in a row."""

    columns: tuple[tuple[str, int, Callable[[str, str], str]], ...]  # -1: not in the header
    care_date: int  # position of the date of care in ``columns``
    content: tuple[int, ...]  # positions in ``columns`` of a label or a code
    foreign: tuple[tuple[str, int], ...]  # other sections' columns in the header


def row_parser(names: list[str], *, today: date) -> Callable[[list[str]], CareLine]:
    """``parse_line`` for the rows of a CSV of header ``names``: the same lines and the
    same refusals, with every column's place and normaliser looked up once per file
    rather than once per line (the bulk import parses millions)."""
    at = {name: index for index, name in enumerate(names)}  # a repeated name: the last
    width = len(names)
    plans: dict[str, _Plan] = {}
    for section, plan in _plans().items():
        columns = tuple((column, at.get(column, -1), normalise) for column, normalise in plan)
        plans[section] = _Plan(
            columns=columns,
            care_date=next(i for i, (c, _, _) in enumerate(columns) if c == date_column(section)),
            content=tuple(
                i
                for i, (c, _, _) in enumerate(columns)
                if not c.startswith("date_") and c != "hospital_flag"
            ),
            foreign=tuple(
                sorted((name, index) for name, index in at.items() if name not in _allowed(section))
            ),
        )
    nir_at, section_at, line_id_at = at["nir"], at["section"], at.get("line_id", -1)
    known = ", ".join(sections())

    def parse(row: list[str]) -> CareLine:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        nir = _checked_nir(row[nir_at])
        section = row[section_at].strip().lower()
        plan = plans.get(section)
        if plan is None:
            raise LineRefused(f"section inconnue : {section!r} (attendu : {known})")
        if len(row) > width:
            raise LineRefused("plus de valeurs que de colonnes dans l'en-tête")
        foreign = [name for name, index in plan.foreign if row[index]]
        if foreign:
            raise LineRefused(f"colonnes étrangères à la section {section} : {', '.join(foreign)}")
        cells: list[tuple[str, str]] = []
        for column, index, normalise in plan.columns:  # _clean, inlined: millions of calls
            text = row[index].strip() if index >= 0 else ""
            if "  " in text or "\t" in text or "\n" in text or "\r" in text:
                text = " ".join(text.split())
            cells.append((column, normalise(column, text)))
        values = tuple(cells)
        column, care_date_text = values[plan.care_date]
        if not care_date_text:
            raise LineRefused(f"{column} manquante")
        care_date = date.fromisoformat(care_date_text)
        if care_date > today:
            raise LineRefused(f"date dans le futur : {care_date_text}")
        if not any(values[i][1] for i in plan.content):
            raise LineRefused("ligne vide : ni libellé, ni code")
        line_id = " ".join(row[line_id_at].split())[:64] if line_id_at >= 0 else ""
        return CareLine(nir, section, care_date, values, line_id)

    return parse
