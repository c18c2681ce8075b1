"""Creation codes: 12 characters, single use, valid 2 months, stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dmp.dossiers import errors
from dmp.dossiers.codes import CODE_LENGTH, issue_creation_code
from dmp.dossiers.models import CreationCode, Dossier
from dmp.dossiers.schemas import CreationChannel
from dmp.errors import AccessDenied
from dmp.policy import Actor, ActorKind
from tests.builders.actors import counter_agent
from tests.builders.dossiers import a_dossier, adult_request
from tests.builders.nirs import make_nir


def _online(nir: str, code: str, serial: str | None = "8250012345") -> object:
    return adult_request(
        nir=nir, channel=CreationChannel.PATIENT_ONLINE, creation_code=code, vitale_serial=serial
    )


async def _holder_actor() -> Actor:
    return Actor(kind=ActorKind.PATIENT, id="online")


async def test_code_is_twelve_characters_and_stored_only_hashed(session, rt):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    assert len(issued.code) == CODE_LENGTH
    assert issued.expires_at == rt.clock.now() + timedelta(days=61)
    stored = (await session.execute(select(CreationCode))).scalars().all()
    assert all(issued.code not in row.code_hash and nir not in row.ins_index for row in stored)


async def test_online_creation_with_a_valid_code_then_the_code_is_spent(session, rt):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    created = await a_dossier(
        session, rt, request=_online(nir, issued.code), actor=await _holder_actor()
    )
    assert (await session.get(Dossier, created.dossier_id)).creation_channel == "patient_online"
    spent = (await session.execute(select(CreationCode))).scalars().all()
    assert [row.used_at for row in spent if row.used_at] == [rt.clock.now()]


async def test_a_used_code_is_refused(session, rt):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    created = await a_dossier(
        session, rt, request=_online(nir, issued.code), actor=await _holder_actor()
    )
    from dmp.dossiers.purge import purge_dossier  # a purged person may start again
    from dmp.dossiers.schemas import ClosureReason
    from dmp.dossiers.service import close_dossier
    from tests.builders.actors import operator, patient

    await close_dossier(
        session,
        rt=rt,
        actor=patient(created.dossier_id),
        dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
        request_deletion=True,
    )
    rt.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)
    with pytest.raises(errors.CreationCodeUsed):
        await a_dossier(session, rt, request=_online(nir, issued.code), actor=await _holder_actor())


async def test_an_expired_code_is_refused_and_nothing_is_created(session, rt, clock):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    clock.advance(timedelta(days=62))
    before = await session.scalar(select(func.count()).select_from(Dossier))
    with pytest.raises(errors.CreationCodeExpired):
        await a_dossier(session, rt, request=_online(nir, issued.code), actor=await _holder_actor())
    assert await session.scalar(select(func.count()).select_from(Dossier)) == before


async def test_a_wrong_code_or_a_code_of_someone_else_is_refused(session, rt):
    nir, other = make_nir(), make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=other)
    with pytest.raises(errors.CreationCodeInvalid):
        await a_dossier(session, rt, request=_online(nir, issued.code), actor=await _holder_actor())
    with pytest.raises(errors.CreationCodeInvalid):
        await a_dossier(session, rt, request=_online(nir, "ABC"), actor=await _holder_actor())


async def test_a_new_code_supersedes_the_previous_one(session, rt):
    nir = make_nir()
    first = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    with pytest.raises(errors.CreationCodeExpired):
        await a_dossier(session, rt, request=_online(nir, first.code), actor=await _holder_actor())


async def test_online_creation_needs_the_vitale_serial(session, rt):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    with pytest.raises(errors.VitaleSerialRequired):
        await a_dossier(
            session, rt, request=_online(nir, issued.code, serial=None), actor=await _holder_actor()
        )


async def test_forbidden_parties_cannot_issue_codes(session, rt):
    with pytest.raises(AccessDenied):
        await issue_creation_code(
            session, rt=rt, actor=Actor(kind=ActorKind.INSURER, id="assureur"), nir=make_nir()
        )
