"""The first step of a person's online creation of their DMP: the NIR, the letter's
creation code and nothing else yet. Checked without spending the code, so the person can
go on to confirm their identity; ``create_dossier`` checks everything again and spends it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.dossiers import errors
from dmp.dossiers.codes import check_creation_code
from dmp.dossiers.models import Dossier
from dmp.identity.nir import Nir, parse_nir
from dmp.runtime import Runtime


async def check_online_creation(
    session: AsyncSession, *, rt: Runtime, nir: str, creation_code: str
) -> Nir:
    """The parsed NIR when the code is good for it and the person has no DMP yet.

    The code is checked before the existence of a dossier: only someone holding the
    person's letter learns that a DMP already exists, not whoever types a NIR."""
    parsed = parse_nir(nir)
    ins_index = rt.blind_index.of(parsed.value)
    await check_creation_code(session, rt=rt, ins_index=ins_index, raw_code=creation_code)
    existing = await session.scalar(
        select(Dossier.status).where(Dossier.ins_index == ins_index, Dossier.status != "purged")
    )
    if existing is not None:
        raise errors.DossierAlreadyExists(status="actif" if existing == "active" else "fermé")
    return parsed
