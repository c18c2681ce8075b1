"""The reimbursement history of the last 24 months, one readable table per section of the
Assurance Maladie (pharmacy, hospital, biology, care, radiology)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from dmp.feeds.reimbursements import reimbursement_tables
from dmp.portals.patient.context import PatientPage
from dmp.portals.patient.formatting import Formatter
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

HOSPITAL_COLUMN = "hospital_flag"


def readable(column: str, value: str, fmt: Formatter) -> str:
    """Dates in words, the hospital marker as yes/no; the rest as the insurer sent it."""
    if column == HOSPITAL_COLUMN:
        return "Oui" if value.strip().upper() == "H" else "Non"
    if column.startswith("date_") and value:
        try:
            return fmt.date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return value


@router.get("/mon-dmp/remboursements", response_class=HTMLResponse)
async def reimbursements(patient: PatientPage) -> HTMLResponse:
    history = await reimbursement_tables(
        patient.session, rt=patient.rt, actor=patient.actor, dossier_id=patient.dossier_id
    )
    fmt = Formatter(patient.lang)
    tables = [
        {
            "section": table.section,
            "label": table.label,
            "headings": [heading for _, heading in table.columns],
            "rows": [
                [
                    readable(column, value, fmt)
                    for (column, _), value in zip(table.columns, row, strict=False)
                ]
                for row in table.rows
            ],
        }
        for table in history.tables
    ]
    return patient.page(
        "patient/reimbursements.html",
        "Mes remboursements",
        section="remboursements",
        history=history,
        tables=tables,
        lines=sum(len(t["rows"]) for t in tables),
    )
