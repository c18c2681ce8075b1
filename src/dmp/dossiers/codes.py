"""Creation codes: the 12-character code of the letter that invites a person to create
their DMP online. Single use, valid 2 months, stored only as a keyed hash."""

from __future__ import annotations

import hmac
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.dossiers.errors import CreationCodeExpired, CreationCodeInvalid, CreationCodeUsed
from dmp.dossiers.models import CreationCode
from dmp.dossiers.schemas import IssuedCreationCode
from dmp.errors import AccessDenied
from dmp.identity.nir import parse_nir
from dmp.kit.ids import HUMAN_ALPHABET, human_code, new_id
from dmp.policy import Action, Actor, decide
from dmp.runtime import Runtime

CODE_LENGTH = 12


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def _code_hash(rt: Runtime, ins_index: str, code: str) -> str:
    # Bound to the person: a code is worthless with another NIR.
    return rt.blind_index.of(f"{ins_index}:{code}", purpose="creation-code")


async def issue_creation_code(
    session: AsyncSession, *, rt: Runtime, actor: Actor, nir: str
) -> IssuedCreationCode:
    """Issues a new code; earlier unused codes of the same person stop working."""
    if not decide(actor, Action.DOSSIER_CREATE, None):
        raise AccessDenied(reason="action_not_permitted", action="creation-code:issue")
    ins_index = rt.blind_index.of(parse_nir(nir).value)
    now = rt.clock.now()
    await session.execute(
        update(CreationCode)
        .where(CreationCode.ins_index == ins_index, CreationCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = human_code(CODE_LENGTH)
    expires_at = now + timedelta(days=rt.settings.creation_code_validity_days)
    session.add(
        CreationCode(
            id=new_id(),
            ins_index=ins_index,
            code_hash=_code_hash(rt, ins_index, code),
            created_at=now,
            expires_at=expires_at,
            issued_by=f"{actor.kind.value}:{actor.id}"[:64],
        )
    )
    await session.flush()
    return IssuedCreationCode(code=code, expires_at=expires_at)


async def _matching_code(
    session: AsyncSession, *, rt: Runtime, ins_index: str, raw_code: str, lock: bool
) -> CreationCode:
    """The person's code matching ``raw_code``, or the precise reason it is refused."""
    code = normalise_code(raw_code)
    if len(code) != CODE_LENGTH or any(ch not in HUMAN_ALPHABET for ch in code):
        raise CreationCodeInvalid()
    wanted = _code_hash(rt, ins_index, code)
    query = (
        select(CreationCode)
        .where(CreationCode.ins_index == ins_index)
        .order_by(CreationCode.created_at.desc())
    )
    if lock:
        query = query.with_for_update()
    rows = (await session.execute(query)).scalars()
    match = next((row for row in rows if hmac.compare_digest(row.code_hash, wanted)), None)
    if match is None:
        raise CreationCodeInvalid()
    if match.used_at is not None:
        raise CreationCodeUsed()
    if match.expires_at <= rt.clock.now():
        raise CreationCodeExpired()
    return match


async def check_creation_code(
    session: AsyncSession, *, rt: Runtime, ins_index: str, raw_code: str
) -> None:
    """Says whether the code would be accepted, without using it: the online creation
    checks it at its first step and spends it only when the dossier is created."""
    await _matching_code(session, rt=rt, ins_index=ins_index, raw_code=raw_code, lock=False)


async def consume_creation_code(
    session: AsyncSession, *, rt: Runtime, ins_index: str, raw_code: str
) -> None:
    """Checks the code for this person and marks it used, or says precisely why not."""
    match = await _matching_code(session, rt=rt, ins_index=ins_index, raw_code=raw_code, lock=True)
    match.used_at = rt.clock.now()
    await session.flush()
