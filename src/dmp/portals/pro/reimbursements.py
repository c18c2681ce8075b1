"""The Assurance Maladie's care history (last 24 months) as readable tables, one per
section, for the professionals the matrix lets read the reimbursement data."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dmp.feeds.reimbursements import reimbursement_tables
from dmp.portals.pro.common import Dossier, page, pro_router
from dmp.portals.staff import local_date
from dmp.portals.staff.portal import Db, Rt

router = pro_router()
_HOSPITAL = "hospital_flag"  # the insurer's "H" marker of hospital care


def readable(column: str, value: str) -> str:
    if column == _HOSPITAL:
        return "Oui" if value.strip().upper() == "H" else "Non"
    if column.startswith("date_") and value:
        return local_date(value[:10]) or value
    return value


@router.get("/pro/dmp/{dossier_id}/remboursements")
async def reimbursements(request: Request, on: Dossier, session: Db, rt: Rt) -> Response:
    history = await reimbursement_tables(session, rt=rt, actor=on.actor, dossier_id=on.dossier_id)
    tables = [
        {
            "label": table.label,
            "headings": [heading for _, heading in table.columns],
            "rows": [
                [readable(c, v) for (c, _), v in zip(table.columns, row, strict=False)]
                for row in table.rows
            ],
        }
        for table in history.tables
    ]
    context = {"history": history, "tables": tables}
    return page(request, "pro/reimbursements.html", context, title="Remboursements", on=on)
