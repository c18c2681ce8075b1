"""The reimbursement history: care lines stored in bulk (idempotent by line identity),
kept for the last 24 months, and read back as tables under the read rule of the class-60
document ("Données de remboursement", which nobody can mask)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.documents.models import Document
from dmp.documents.records import facts_of
from dmp.dossiers.models import Dossier
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.bulk import chunks, insert_new
from dmp.feeds.cipher import DossierCipher, add_months
from dmp.feeds.models import ReimbursementLine
from dmp.feeds.schemas import ReimbursementTable, ReimbursementTables, column_label
from dmp.feeds.sections import CareLine, ParsedRow, sections
from dmp.policy import Action, Actor, DocumentFacts, DossierStatus
from dmp.policy.vocabulary import REIMBURSEMENT_CLASS
from dmp.reference import document_types
from dmp.runtime import Runtime

PARIS = ZoneInfo("Europe/Paris")
PURPOSE = "reimbursement-line"
MAX_REASONS = 200  # refusals listed one by one; beyond, only counted


def reimbursement_type() -> str:
    """The type code of class 60 in the reference (TRE_A05 "REMB"), read as data."""
    return next(t.code for t in document_types().values() if t.class_code == REIMBURSEMENT_CLASS)


def today(rt: Runtime) -> date:
    return rt.clock.now().astimezone(PARIS).date()


def window_start(rt: Runtime) -> date:
    return add_months(today(rt), -rt.settings.reimbursement_window_months)


@dataclass
class StoreReport:
    received: int = 0
    stored: int = 0
    already_present: int = 0
    too_old: int = 0
    refused: int = 0
    reasons: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)
    dossiers: set[uuid.UUID] = field(default_factory=set)  # those with new lines

    def refuse(self, number: int, reason: str) -> None:
        self.refused += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append((number, reason))

    def merge(self, other: StoreReport) -> None:
        for name in ("received", "stored", "already_present", "too_old"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.refused += other.refused
        self.reasons += other.reasons[: max(MAX_REASONS - len(self.reasons), 0)]
        self.dossiers |= other.dossiers


def history_facts(actor: Actor, document: Document | None) -> DocumentFacts:
    """The class-60 document as the policy sees it: the current one when it exists."""
    if document is not None:
        return facts_of(document, actor)
    return DocumentFacts(
        type_code=reimbursement_type(),
        class_code=REIMBURSEMENT_CLASS,
        author_id=ASSURANCE_MALADIE.id,
        actor_is_author=actor.id == ASSURANCE_MALADIE.id,
    )


async def current_history_document(session: AsyncSession, dossier_id: uuid.UUID) -> Document | None:
    return (
        await session.execute(
            select(Document)
            .where(
                Document.dossier_id == dossier_id,
                Document.type_code == reimbursement_type(),
                Document.status.in_(("approved", "archived")),
            )
            .order_by(Document.submitted_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def dossiers_by_nir(
    session: AsyncSession, *, rt: Runtime, nirs: Iterable[str]
) -> dict[str, Dossier]:
    """Living dossiers of these NIRs, found through the blind index, in few queries."""
    by_index = {rt.blind_index.of(nir): nir for nir in nirs}
    found: dict[str, Dossier] = {}
    for chunk in chunks(list(by_index), 500):
        rows = await session.execute(
            select(Dossier).where(Dossier.ins_index.in_(chunk), Dossier.status != "purged")
        )
        for dossier in rows.scalars():
            found[by_index[dossier.ins_index]] = dossier
    return found


async def _admitted(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier: Dossier
) -> str | None:
    """The feed deposits into this dossier under the rule of the class-60 document (one
    traced decision per dossier and batch). Returns why not, or None."""
    try:
        await enforce(
            session,
            rt=rt,
            actor=actor,
            action=Action.DOCUMENT_ADD,
            dossier=dossier,
            document=history_facts(actor, None),
            target="reimbursement-lines",
        )
    except AccessDenied as error:
        return error.message("fr")
    return None


async def store_for_dossier(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier: Dossier,
    lines: list[tuple[int, CareLine]],
) -> StoreReport:
    report = StoreReport(received=len(lines))
    await _store(session, rt=rt, actor=actor, groups=[(dossier, lines)], report=report)
    return report


@dataclass
class ImportMemo:
    """What one import run learnt per dossier, reused by its later chunks: the feed's
    decision (decided and traced once per dossier and run, again only if the dossier is
    no longer active) and the dossier's key."""

    decisions: dict[uuid.UUID, str | None] = field(default_factory=dict)
    ciphers: dict[uuid.UUID, DossierCipher] = field(default_factory=dict)


async def _store(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    groups: list[tuple[Dossier, list[tuple[int, CareLine]]]],
    report: StoreReport,
    memo: ImportMemo | None = None,
) -> None:
    memo = memo or ImportMemo()
    start, now = window_start(rt), rt.clock.now()
    rows: dict[tuple[uuid.UUID, str], dict[str, object]] = {}
    for dossier, lines in groups:
        known = dossier.id in memo.decisions and dossier.status == DossierStatus.ACTIVE.value
        if not known:
            memo.decisions[dossier.id] = await _admitted(
                session, rt=rt, actor=actor, dossier=dossier
            )
        refusal = memo.decisions[dossier.id]
        if refusal is not None:
            for number, _line in lines:
                report.refuse(number, refusal)
            continue
        cipher = memo.ciphers.get(dossier.id) or DossierCipher.of(rt, dossier)
        memo.ciphers[dossier.id] = cipher
        for _number, line in lines:
            if line.care_date < start:
                report.too_old += 1
                continue
            line_hash = cipher.identity(line.canonical())
            rows[(dossier.id, line_hash)] = {
                "dossier_id": dossier.id,
                "line_hash": line_hash,
                "section": line.section,
                "care_date": line.care_date,
                "fields_ct": cipher.seal(PURPOSE, line_hash, line.as_dict()),
                "imported_at": now,
            }
    inserted = await insert_new(
        session, ReimbursementLine, list(rows.values()), ("dossier_id", "line_hash")
    )
    report.stored += len(inserted)
    report.already_present += len(rows) - len(inserted)
    report.dossiers |= {dossier_id for dossier_id, _ in inserted}


async def store_care_lines(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    rows: Iterable[ParsedRow],
    memo: ImportMemo | None = None,
) -> StoreReport:
    """The bulk path: lines of any number of patients, grouped by NIR; one traced
    decision per dossier, multi-row inserts, no per-line round trip."""
    report = StoreReport()
    by_nir: dict[str, list[tuple[int, CareLine]]] = defaultdict(list)
    for row in rows:
        report.received += 1
        if row.line is None:
            report.refuse(row.number, row.error or "ligne refusée")
        else:
            by_nir[row.line.nir].append((row.number, row.line))
    dossiers = await dossiers_by_nir(session, rt=rt, nirs=by_nir)
    groups = []
    for nir, lines in by_nir.items():
        dossier = dossiers.get(nir)
        if dossier is None:
            for number, _line in lines:
                report.refuse(number, "aucun DMP pour ce NIR")
            continue
        groups.append((dossier, lines))
    await _store(session, rt=rt, actor=actor, groups=groups, report=report, memo=memo)
    return report


async def read_lines(
    session: AsyncSession, *, rt: Runtime, dossier: Dossier, since: date | None = None
) -> list[tuple[str, date, dict[str, str]]]:
    """(section, date, columns) of a dossier's lines, newest first; no access check."""
    query = select(ReimbursementLine).where(ReimbursementLine.dossier_id == dossier.id)
    if since is not None:
        query = query.where(ReimbursementLine.care_date >= since)
    rows = await session.execute(query.order_by(ReimbursementLine.care_date.desc()))
    cipher = DossierCipher.of(rt, dossier)
    return [
        (row.section, row.care_date, cipher.open(PURPOSE, row.line_hash, row.fields_ct))
        for row in rows.scalars()
    ]


async def reimbursement_tables(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> ReimbursementTables:
    """The history as one table per section, for whoever may read the class-60 document
    (the same decision, traced the same way)."""
    dossier = await get_dossier(session, dossier_id)
    current = await current_history_document(session, dossier_id)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_READ,
        dossier=dossier,
        document=history_facts(actor, current),
        target="reimbursement-lines",
    )
    start = window_start(rt)
    lines = await read_lines(session, rt=rt, dossier=dossier, since=start)
    tables = []
    for section, (label, columns) in sections().items():
        rows = [values for kind, _day, values in lines if kind == section]
        tables.append(
            ReimbursementTable(
                section=section,
                label=label,
                columns=[(c, column_label(c)) for c in columns],
                rows=[[row.get(c, "") for c in columns] for row in rows],
            )
        )
    return ReimbursementTables(dossier_id=dossier_id, as_of=today(rt), since=start, tables=tables)


async def drop_aged_lines(session: AsyncSession, *, rt: Runtime) -> list[uuid.UUID]:
    """Removes the lines of active dossiers that left the 24-month window; returns the
    dossiers whose history document must be rendered again. A closed dossier is left as
    it was closed (its holder may still download it, document and tables agreeing)."""
    start = window_start(rt)
    active = select(Dossier.id).where(Dossier.status == DossierStatus.ACTIVE.value)
    aged = (
        ReimbursementLine.care_date < start,
        ReimbursementLine.dossier_id.in_(active),
    )
    affected = list(
        (
            await session.execute(select(ReimbursementLine.dossier_id).where(*aged).distinct())
        ).scalars()
    )
    if affected:
        await session.execute(delete(ReimbursementLine).where(*aged))
    return affected
