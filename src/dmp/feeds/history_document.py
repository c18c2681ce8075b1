"""The "Données de remboursement" document (class 60): the stored lines of the last 24
months rendered as a PDF and deposited by the Assurance Maladie, each new rendering
replacing the previous version — the same path as any deposit (``add_document`` /
``replace_document``: policy, trace, encryption)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.documents.schemas import DocumentIn, DocumentOut
from dmp.documents.service import add_document, replace_document
from dmp.dossiers.service import get_dossier
from dmp.feeds.reimbursements import (
    current_history_document,
    read_lines,
    reimbursement_type,
    today,
    window_start,
)
from dmp.feeds.schemas import column_label
from dmp.feeds.sections import sections
from dmp.notifications.pdf import Font, Line, build_pdf, heading
from dmp.policy import Actor, DossierStatus
from dmp.runtime import Runtime

TITLE = "Données de remboursement"
_MIN_WIDTH, _MAX_WIDTH = 6, 28


def _table(columns: list[str], rows: list[dict[str, str]]) -> list[Line]:
    """A fixed-width table: a monospaced font keeps the columns aligned without layout."""
    widths = []
    for column in columns:
        longest = max([len(column_label(column)), *(len(r.get(column, "")) for r in rows)])
        widths.append(max(_MIN_WIDTH, min(longest, _MAX_WIDTH)))

    def cells(values: list[str]) -> str:
        return "  ".join(v[:w].ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    size = 7.0 if sum(widths) > 90 else 8.0
    lines = [Line(cells([column_label(c) for c in columns]), Font.BOLD, size)]
    lines += [Line(cells([r.get(c, "") for c in columns]), Font.MONO, size) for r in rows]
    return lines


def render_pdf(*, as_of: date, since: date, lines: list[tuple[str, date, dict[str, str]]]) -> bytes:
    body = [
        heading(TITLE, 16),
        Line("Historique des soins remboursés par l'Assurance Maladie"),
        Line(f"Période : du {since:%d/%m/%Y} au {as_of:%d/%m/%Y} (24 derniers mois)"),
        Line("H : soins réalisés à l'hôpital ou en clinique.", size=8),
        Line(),
    ]
    for section, (label, columns) in sections().items():
        rows = [values for kind, _day, values in lines if kind == section]
        body.append(heading(f"{label} ({len(rows)})", 12))
        body += _table(columns, rows) if rows else [Line("Aucune donnée sur la période.")]
        body.append(Line())
    return build_pdf(body, title=TITLE)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def render_history_document(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> DocumentOut | None:
    """Renders and deposits (or replaces) the document; None when nothing changed or the
    dossier no longer takes deposits."""
    dossier = await get_dossier(session, dossier_id)
    if dossier.status != DossierStatus.ACTIVE.value:
        return None
    since, as_of = window_start(rt), today(rt)
    lines = await read_lines(session, rt=rt, dossier=dossier, since=since)
    current = await current_history_document(session, dossier_id)
    if current is None and not lines:
        return None  # no history yet: no empty document in the patient's list
    content = render_pdf(as_of=as_of, since=since, lines=lines)
    if current is not None and current.sha256 == hashlib.sha256(content).hexdigest():
        return None
    days = [day for _section, day, _values in lines] or [as_of]
    upload = DocumentIn(
        type_code=reimbursement_type(),
        mime="application/pdf",
        title=TITLE,
        creation_time=rt.clock.now(),
        service_start=_midnight(min(days)),
        service_end=_midnight(max(days)),
    )
    if current is None:
        return await add_document(
            session, rt=rt, actor=actor, dossier_id=dossier_id, upload=upload, content=content
        )
    return await replace_document(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        document_id=current.id,
        upload=upload,
        content=content,
    )
