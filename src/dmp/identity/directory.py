"""The professional directory: import from a CSV extract, look up by national id."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.errors import InvalidInput
from dmp.identity.models import Professional
from dmp.identity.national_id import parse_national_id
from dmp.reference import professions
from dmp.runtime import Runtime

DIRECTORY_COLUMNS = (
    "national_id",
    "profession_code",
    "specialty",
    "family_name",
    "given_names",
    "structure_id",
    "structure_name",
)


class UnknownProfession(InvalidInput):
    code = "unknown_profession"
    message_fr = "Code profession inconnu : {profession} (codes valides : {valid})."
    message_en = "Unknown profession code: {profession} (valid codes: {valid})."


@dataclass(frozen=True, slots=True)
class ProfessionalIn:
    national_id: str
    profession_code: str
    family_name: str
    given_names: str
    specialty: str | None = None
    structure_id: str | None = None
    structure_name: str | None = None


def validate_professional(row: ProfessionalIn) -> ProfessionalIn:
    national_id = parse_national_id(row.national_id)
    if row.profession_code not in professions():
        raise UnknownProfession(profession=row.profession_code, valid=", ".join(professions()))
    if not row.family_name.strip():
        raise InvalidInput(detail="nom de famille manquant")
    return dataclasses.replace(row, national_id=national_id)


async def upsert_professionals(
    session: AsyncSession, *, rt: Runtime, rows: Iterable[ProfessionalIn]
) -> int:
    """Validates every row before writing any: a bad extract changes nothing."""
    valid = [validate_professional(row) for row in rows]
    now = rt.clock.now()
    for row in valid:
        existing = await session.get(Professional, row.national_id)
        if existing is None:
            existing = Professional(national_id=row.national_id)
            session.add(existing)
        existing.profession_code = row.profession_code
        existing.specialty = row.specialty or None
        existing.family_name = row.family_name.strip()
        existing.given_names = row.given_names.strip()
        existing.structure_id = row.structure_id or None
        existing.structure_name = row.structure_name or None
        existing.updated_at = now
    await session.flush()
    return len(valid)


def read_directory_csv(text: str) -> list[ProfessionalIn]:
    reader = csv.DictReader(text.splitlines())
    missing = set(DIRECTORY_COLUMNS[:5]) - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(detail=f"colonnes manquantes : {', '.join(sorted(missing))}")
    return [
        ProfessionalIn(**{k: (row.get(k) or "").strip() for k in DIRECTORY_COLUMNS})
        for row in reader
    ]


async def get_professional(session: AsyncSession, national_id: str) -> Professional | None:
    return (
        await session.execute(select(Professional).where(Professional.national_id == national_id))
    ).scalar_one_or_none()
