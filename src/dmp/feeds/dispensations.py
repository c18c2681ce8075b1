"""Dispensed medicines from the Dossier Pharmaceutique: visible for as long as
``reference/dp-retention.csv`` says for their kind (ordinary 4 months, vaccines 21 years,
biological medicines 3 years), then removed by the daily job. Read under the rule of the
"Dispensation médicamenteuse" document type, the one the DP would deposit."""

from __future__ import annotations

import csv
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.dossiers.models import Dossier
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied, InvalidInput
from dmp.feeds.actors import DOSSIER_PHARMACEUTIQUE
from dmp.feeds.bulk import insert_new
from dmp.feeds.cipher import DossierCipher, add_months
from dmp.feeds.models import Dispensation
from dmp.feeds.reimbursements import dossiers_by_nir, today
from dmp.feeds.schemas import DispensationIn, DispensationOut, DispensationsIn
from dmp.identity.errors import InvalidNir
from dmp.identity.nir import parse_nir
from dmp.policy import Action, Actor, DocumentFacts
from dmp.reference import document_types
from dmp.runtime import Runtime

PURPOSE = "dispensation"
DISPENSATION_TYPE = "60593-1"  # "Dispensation médicamenteuse" in type-codes.csv
_DURATION = re.compile(r"^\s*(\d+)\s*(months?|mois|years?|ans?)\s*$")


def months_of(text: str) -> int:
    """ "4 months" → 4, "21 years" → 252 (the reference's wording)."""
    match = _DURATION.match(text.lower())
    if match is None:
        raise ValueError(f"durée illisible dans dp-retention.csv : {text!r}")
    amount, unit = int(match.group(1)), match.group(2)
    return amount if unit.startswith(("month", "mois")) else amount * 12


@cache
def visibility_months() -> dict[str, int]:
    """Months of visibility by kind of medicine, read from the reference as data."""
    text = resources.files("dmp.reference").joinpath("data", "dp-retention.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {row["medicine_kind"]: months_of(row["accessible_for"]) for row in rows}


def visible_until(kind: str, dispensed_on: date) -> date:
    return add_months(dispensed_on, visibility_months()[kind])


def _facts(actor: Actor) -> DocumentFacts:
    kind = document_types()[DISPENSATION_TYPE]
    return DocumentFacts(
        type_code=kind.code,
        class_code=kind.class_code,
        author_id=DOSSIER_PHARMACEUTIQUE.id,
        actor_is_author=actor.id == DOSSIER_PHARMACEUTIQUE.id,
    )


@dataclass
class DispensationReport:
    received: int = 0
    stored: int = 0
    already_present: int = 0
    expired: int = 0
    refused: int = 0
    reasons: list[tuple[int, str]] = field(default_factory=list)


def _canonical(item: DispensationIn) -> bytes:
    parts = (
        item.kind,
        item.dispensed_on.isoformat(),
        item.code_system,
        item.product_code,
        " ".join(item.label.split()),
        str(item.quantity),
        item.line_id,
    )
    return "\x1f".join(parts).encode()


async def store_dispensations(
    session: AsyncSession, *, rt: Runtime, actor: Actor, items: Sequence[DispensationIn]
) -> DispensationReport:
    report = DispensationReport(received=len(items))
    by_nir: dict[str, list[tuple[int, DispensationIn]]] = defaultdict(list)
    for number, item in enumerate(items, start=1):
        try:
            by_nir[parse_nir(item.nir).value].append((number, item))
        except InvalidNir as error:
            report.refused += 1
            report.reasons.append((number, error.message("fr")))
    dossiers = await dossiers_by_nir(session, rt=rt, nirs=by_nir)
    day, now = today(rt), rt.clock.now()
    rows: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    for nir, entries in by_nir.items():
        refusal = await _admitted(session, rt=rt, actor=actor, dossier=dossiers.get(nir))
        if refusal is not None:
            report.refused += len(entries)
            report.reasons += [(number, refusal) for number, _ in entries]
            continue
        dossier = dossiers[nir]
        cipher = DossierCipher.of(rt, dossier)
        for number, item in entries:
            if item.kind not in visibility_months():
                report.refused += 1
                kinds = ", ".join(visibility_months())
                report.reasons.append((number, f"nature inconnue : {item.kind} ({kinds})"))
                continue
            until = visible_until(item.kind, item.dispensed_on)
            if item.dispensed_on > day:
                report.refused += 1
                report.reasons.append((number, "date de dispensation dans le futur"))
                continue
            if until < day:
                report.expired += 1
                continue
            line_hash = cipher.identity(_canonical(item))
            fields = item.model_dump(mode="json", exclude={"nir", "line_id"})
            rows[(dossier.id, line_hash)] = {
                "dossier_id": dossier.id,
                "line_hash": line_hash,
                "kind": item.kind,
                "dispensed_on": item.dispensed_on,
                "visible_until": until,
                "fields_ct": cipher.seal(PURPOSE, line_hash, fields),
                "imported_at": now,
            }
    inserted = await insert_new(
        session, Dispensation, list(rows.values()), ("dossier_id", "line_hash")
    )
    report.stored = len(inserted)
    report.already_present = len(rows) - len(inserted)
    return report


async def _admitted(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier: Dossier | None
) -> str | None:
    if dossier is None:
        return "aucun DMP pour ce NIR"
    try:
        await enforce(
            session,
            rt=rt,
            actor=actor,
            action=Action.DOCUMENT_ADD,
            dossier=dossier,
            document=_facts(actor),
            target="dispensations",
        )
    except AccessDenied as error:
        return error.message("fr")
    return None


async def list_dispensations(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> list[DispensationOut]:
    """What is still visible, newest first, for whoever may read a dispensation document."""
    dossier = await get_dossier(session, dossier_id)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_READ,
        dossier=dossier,
        document=_facts(actor),
        target="dispensations",
    )
    rows = await session.execute(
        select(Dispensation)
        .where(Dispensation.dossier_id == dossier_id, Dispensation.visible_until >= today(rt))
        .order_by(Dispensation.dispensed_on.desc())
    )
    cipher = DossierCipher.of(rt, dossier)
    result = []
    for row in rows.scalars():
        fields = cipher.open(PURPOSE, row.line_hash, row.fields_ct)
        result.append(DispensationOut(visible_until=row.visible_until, **fields))
    return result


async def remove_expired_dispensations(session: AsyncSession, *, rt: Runtime) -> int:
    """The daily job: what is no longer visible is removed (any dossier, one statement)."""
    result: Any = await session.execute(
        delete(Dispensation).where(Dispensation.visible_until < today(rt))
    )
    return int(result.rowcount or 0)


def parse_dispensations(payload: Any) -> list[DispensationIn]:
    try:
        return DispensationsIn.model_validate(payload).dispensations
    except ValidationError as error:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))} : {e['msg']}" for e in error.errors())
        raise InvalidInput(detail=detail) from None
