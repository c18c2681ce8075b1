"""The reference tables of ``shared/reference`` shipped as package data and loaded as data.

Values are never copied into code: replacing a CSV replaces the rule (the habilitation
matrix is versioned by the hash of its file).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from dmp.policy import HabilitationMatrix


def _read(name: str) -> str:
    return resources.files("dmp.reference").joinpath("data", name).read_text(encoding="utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_read(name).splitlines()))


@dataclass(frozen=True, slots=True)
class DocumentType:
    code: str
    system: str
    display: str
    class_code: str
    patient_category: str


@cache
def document_types() -> dict[str, DocumentType]:
    return {
        row["code"]: DocumentType(
            code=row["code"],
            system=row["system"],
            display=row["display"],
            class_code=row["class_code"],
            patient_category=row["patient_category"],
        )
        for row in _rows("type-codes.csv")
    }


@cache
def document_classes() -> dict[str, str]:
    return {row["code"]: row["display"] for row in _rows("class-codes.csv")}


@cache
def professions() -> dict[str, str]:
    return {row["code"]: row["label"] for row in _rows("professions.csv")}


@cache
def patient_categories() -> list[str]:
    return [
        row["label"]
        for row in sorted(_rows("patient-categories.csv"), key=lambda r: int(r["order"]))
    ]


@cache
def reimbursement_sections() -> dict[str, tuple[str, list[str]]]:
    return {
        row["section"]: (row["label"], row["columns"].split(";"))
        for row in _rows("reimbursement-sections.csv")
    }


@cache
def load_habilitation_matrix() -> HabilitationMatrix:
    text = _read("habilitation-matrix.csv")
    readable = frozenset(
        (row["profession_code"], row["type_code"])
        for row in csv.DictReader(text.splitlines())
        if row["access"].strip() == "read"
    )
    version = "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return HabilitationMatrix(version=version, readable=readable)
