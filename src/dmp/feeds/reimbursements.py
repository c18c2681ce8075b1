"""The reimbursement history: care lines stored in bulk (idempotent by line identity),
kept for the last 24 months, and read back as tables under the read rule of the class-60
document ("Données de remboursement", which nobody can mask)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.bulk import enforce_many
from dmp.access.enforce import enforce
from dmp.crypto import KeyUnavailable
from dmp.documents.models import Document
from dmp.documents.records import facts_of
from dmp.dossiers.models import Dossier
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.bulk import chunks, insert_counted
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
_SEAL_SLICE = 100  # lines sealed between two turns of the event loop
_COLUMNS = ("dossier_id", "line_hash", "section", "care_date", "fields_ct", "imported_at")


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


async def _decide(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossiers: list[Dossier],
    memo: ImportMemo,
) -> None:
    """The feed deposits into these dossiers under the rule of the class-60 document: one
    traced decision per dossier and run (again only for a dossier no longer active), all
    traced in a few statements. Records in ``memo`` why not, or None."""
    fresh = {
        d.id: d
        for d in dossiers
        if d.id not in memo.decisions or d.status != DossierStatus.ACTIVE.value
    }
    if not fresh:
        return
    action = Action.DOCUMENT_ADD
    decisions = await enforce_many(
        session,
        rt=rt,
        actor=actor,
        action=action,
        dossiers=list(fresh.values()),
        document=history_facts(actor, None),
        target="reimbursement-lines",
    )
    for dossier_id, decision in decisions.items():
        memo.decisions[dossier_id] = (
            None
            if decision.allowed
            else AccessDenied(reason=decision.reason.value, action=action.value).message("fr")
        )


async def store_for_dossier(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier: Dossier,
    lines: list[tuple[int, CareLine]],
) -> StoreReport:
    """The lines of one dossier already found (the first feed, a FHIR bundle)."""
    memo = ImportMemo()
    sealed = SealedLines(StoreReport(received=len(lines)), {"": lines}, {})
    dossiers = {"": dossier}
    return await _store_groups(
        session, rt=rt, actor=actor, lines=sealed, dossiers=dossiers, memo=memo
    )


@dataclass
class ImportMemo:
    """What one import run learnt per dossier, reused by its later chunks: the feed's
    decision (decided and traced once per dossier and run, again only if the dossier is
    no longer active) and the dossier's unwrapped key (by dossier and by NIR)."""

    decisions: dict[uuid.UUID, str | None] = field(default_factory=dict)
    ciphers: dict[uuid.UUID, DossierCipher] = field(default_factory=dict)
    by_nir: dict[str, DossierCipher] = field(default_factory=dict)

    def cipher(self, rt: Runtime, dossier: Dossier) -> DossierCipher:
        cipher = self.ciphers.get(dossier.id) or DossierCipher.of(rt, dossier)
        self.ciphers[dossier.id] = cipher
        return cipher


Record = tuple[object, ...]  # a row of reimbursement_line, in _COLUMNS order


@dataclass
class SealedLines:
    """A chunk of lines grouped by NIR and, for the NIRs whose dossier was already known,
    keyed and sealed: work done before the chunk's transaction (while the previous chunk
    is being inserted), checked again inside it."""

    report: StoreReport
    by_nir: dict[str, list[tuple[int, CareLine]]]
    sealed: dict[str, tuple[uuid.UUID, int, list[Record]]]  # (dossier, too old, records)


def _seal(
    cipher: DossierCipher, lines: list[tuple[int, CareLine]], start: date, now: datetime
) -> tuple[int, list[Record]]:
    """(lines older than the window, rows of the others): keyed identity and sealing."""
    dossier_id, identity, seal = cipher.dossier_id, cipher.identity, cipher.seal
    records: list[Record] = []
    too_old = 0
    for _number, line in lines:
        if line.care_date < start:
            too_old += 1
            continue
        line_hash = identity(line.canonical())
        sealed = seal(PURPOSE, line_hash, line.as_dict())
        records.append((dossier_id, line_hash, line.section, line.care_date, sealed, now))
    return too_old, records


async def seal_lines(
    session: AsyncSession, *, rt: Runtime, rows: Iterable[ParsedRow], memo: ImportMemo
) -> SealedLines:
    """Groups the chunk by NIR, finds the dossiers not yet known (one query per 500 NIRs)
    and seals the lines of every known dossier, giving the event loop back as it goes.
    Decides nothing: ``store_sealed`` does, in the transaction that inserts."""
    report = StoreReport()
    by_nir: dict[str, list[tuple[int, CareLine]]] = defaultdict(list)
    for row in rows:
        report.received += 1
        if row.line is None:
            report.refuse(row.number, row.error or "ligne refusée")
        else:
            by_nir[row.line.nir].append((row.number, row.line))
    by_index = {rt.blind_index.of(nir): nir for nir in by_nir if nir not in memo.by_nir}
    for chunk in chunks(list(by_index), 500):
        # Only the keys (no ORM objects): the transaction loads the dossiers it decides on.
        found = await session.execute(
            select(Dossier.id, Dossier.ins_index, Dossier.wrapped_key).where(
                Dossier.ins_index.in_(chunk), Dossier.status != "purged"
            )
        )
        for dossier_id, index, wrapped in found:
            with suppress(KeyUnavailable):  # then refused or reported inside the transaction
                cipher = memo.ciphers.get(dossier_id)
                cipher = cipher or DossierCipher.of_wrapped(rt, dossier_id, wrapped)
                memo.by_nir[by_index[index]] = memo.ciphers[dossier_id] = cipher
    start, now = window_start(rt), rt.clock.now()
    sealed: dict[str, tuple[uuid.UUID, int, list[Record]]] = {}
    done = 0
    for nir, lines in by_nir.items():
        cipher = memo.by_nir.get(nir)
        if cipher is not None:
            sealed[nir] = (cipher.dossier_id, *_seal(cipher, lines, start, now))
            done += len(lines)
        if done >= _SEAL_SLICE:
            done = 0
            await asyncio.sleep(0)
    return SealedLines(report, by_nir, sealed)


async def store_sealed(
    session: AsyncSession, *, rt: Runtime, actor: Actor, lines: SealedLines, memo: ImportMemo
) -> StoreReport:
    """In the chunk's transaction: the dossiers of its NIRs as they are now, one traced
    decision per dossier and run, then the rows of the admitted ones in bulk."""
    dossiers = await dossiers_by_nir(session, rt=rt, nirs=lines.by_nir)
    return await _store_groups(
        session, rt=rt, actor=actor, lines=lines, dossiers=dossiers, memo=memo
    )


async def _store_groups(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    lines: SealedLines,
    dossiers: dict[str, Dossier],
    memo: ImportMemo,
) -> StoreReport:
    report = lines.report
    groups: list[tuple[str, Dossier]] = []
    for nir, numbered in lines.by_nir.items():
        dossier = dossiers.get(nir)
        if dossier is None:
            for number, _line in numbered:
                report.refuse(number, "aucun DMP pour ce NIR")
            continue
        groups.append((nir, dossier))
    await _decide(session, rt=rt, actor=actor, dossiers=[d for _, d in groups], memo=memo)
    start, now = window_start(rt), rt.clock.now()
    records: dict[tuple[object, object], Record] = {}
    for nir, dossier in groups:
        refusal = memo.decisions[dossier.id]
        if refusal is not None:
            for number, _line in lines.by_nir[nir]:
                report.refuse(number, refusal)
            continue
        sealed = lines.sealed.get(nir)
        if sealed is None or sealed[0] != dossier.id:  # not known before, or another dossier
            sealed = (dossier.id, *_seal(memo.cipher(rt, dossier), lines.by_nir[nir], start, now))
        report.too_old += sealed[1]
        records.update({(row[0], row[1]): row for row in sealed[2]})  # a repeated line is one
    counts = await insert_counted(
        session,
        ReimbursementLine,
        columns=_COLUMNS,
        records=list(records.values()),
        key=("dossier_id", "line_hash"),
        group="dossier_id",
    )
    stored = sum(counts.values())
    report.stored += stored
    report.already_present += len(records) - stored
    report.dossiers |= set(counts)
    return report


async def store_care_lines(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    rows: Iterable[ParsedRow],
    memo: ImportMemo | None = None,
) -> StoreReport:
    """The bulk path: lines of any number of patients, grouped by NIR; one traced
    decision per dossier, bulk inserts, no per-line round trip."""
    memo = memo or ImportMemo()
    sealed = await seal_lines(session, rt=rt, rows=rows, memo=memo)
    return await store_sealed(session, rt=rt, actor=actor, lines=sealed, memo=memo)


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
