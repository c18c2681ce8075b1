"""Inputs and outputs of the feeds (pydantic at the edges)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

# Column headings as the patient reads them (the reference names the columns).
_LABELS = {
    "date_delivrance": "Date de délivrance",
    "libelle": "Libellé",
    "dci": "Dénomination commune",
    "quantite": "Quantité",
    "hospital_flag": "Hôpital",
    "date_admission": "Date d'admission",
    "duree_sejour_jours": "Durée du séjour (jours)",
    "nature_sejour": "Nature du séjour",
    "date_acte": "Date de l'acte",
    "code_nabm": "Code NABM",
    "date_execution": "Date d'exécution",
    "code_acte": "Code de l'acte",
    "coefficient": "Coefficient",
    "specialite": "Spécialité",
}


def column_label(column: str) -> str:
    return _LABELS.get(column, column.replace("_", " ").capitalize())


class ReimbursementTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    section: str
    label: str
    columns: list[tuple[str, str]]  # (column, heading)
    rows: list[list[str]]  # newest care first, values in column order


class ReimbursementTables(BaseModel):
    model_config = ConfigDict(frozen=True)

    dossier_id: uuid.UUID
    as_of: date
    since: date  # start of the 24-month window
    tables: list[ReimbursementTable]


class DispensationIn(BaseModel):
    """One dispensed medicine, as the Dossier Pharmaceutique sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    nir: str = Field(min_length=13, max_length=20)
    dispensed_on: date
    kind: str = Field(max_length=32)  # a medicine_kind of dp-retention.csv
    product_code: str = Field(default="", max_length=32)  # CIP13, UCD, CVX…
    code_system: str = Field(default="", max_length=64)
    label: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=0, le=10_000)
    line_id: str = Field(default="", max_length=64)  # the DP's own id, when it has one


class DispensationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dispensations: list[DispensationIn] = Field(max_length=10_000)


class DispensationOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    dispensed_on: date
    visible_until: date
    kind: str
    product_code: str
    code_system: str
    label: str
    quantity: int


class FeedReport(BaseModel):
    """What a feed call or an import did, line by line where it refused."""

    received: int
    stored: int
    already_present: int
    too_old: int
    refused: int
    reasons: list[tuple[int, str]] = Field(default_factory=list)
    documents_rendered: int = 0
