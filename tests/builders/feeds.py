"""Care lines and dispensations as the feeds send them, and a session factory that runs
units of work inside the test's rolled-back transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

LINE_COLUMNS = (
    "nir,section,line_id,date_delivrance,libelle,dci,quantite,hospital_flag,date_admission,"
    "duree_sejour_jours,nature_sejour,date_acte,code_nabm,date_execution,code_acte,coefficient,"
    "specialite"
)


def pharmacy(
    nir: str, day: date, label: str = "PARACETAMOL 1 G CPR", **extra: Any
) -> dict[str, Any]:
    return {
        "nir": nir,
        "section": "pharmacie",
        "date_delivrance": day.isoformat(),
        "libelle": label,
        "dci": "paracétamol",
        "quantite": "2",
        **extra,
    }


def consultation(nir: str, day: date, **extra: Any) -> dict[str, Any]:
    return {
        "nir": nir,
        "section": "soins",
        "date_execution": day.isoformat(),
        "code_acte": "G",
        "coefficient": "1",
        "libelle": "Consultation",
        "specialite": "Médecine générale",
        **extra,
    }


def stay(nir: str, day: date, days: int = 3) -> dict[str, Any]:
    return {
        "nir": nir,
        "section": "hospitalisation",
        "date_admission": day.isoformat(),
        "duree_sejour_jours": str(days),
        "nature_sejour": "Médecine",
    }


def as_csv(lines: list[dict[str, Any]], delimiter: str = ",") -> str:
    columns = LINE_COLUMNS.split(",")
    out = [delimiter.join(columns)]
    for line in lines:
        out.append(delimiter.join(str(line.get(c, "")) for c in columns))
    return "\n".join(out) + "\n"


def savepoint_factory(session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """Units of work on the test's connection: their commits release savepoints, and the
    test's transaction still rolls everything back at the end."""
    return async_sessionmaker(
        bind=session.bind,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )
