"""The first step of online creation checks the code without spending it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmp.dossiers import errors
from dmp.dossiers.codes import issue_creation_code
from dmp.dossiers.online import check_online_creation
from dmp.dossiers.schemas import CreationChannel
from dmp.identity.errors import InvalidNir
from dmp.policy import Actor, ActorKind
from tests.builders.actors import counter_agent
from tests.builders.dossiers import a_dossier, adult_request
from tests.builders.nirs import make_nir


async def test_a_good_code_is_accepted_and_stays_usable(session, rt):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    spaced = " ".join(issued.code[i : i + 4] for i in range(0, 12, 4)).lower()
    assert (await check_online_creation(session, rt=rt, nir=nir, creation_code=spaced)).value == nir
    # Checked twice, then spent by the creation itself: the check did not use it.
    await check_online_creation(session, rt=rt, nir=nir, creation_code=issued.code)
    request = adult_request(
        nir=nir,
        channel=CreationChannel.PATIENT_ONLINE,
        creation_code=issued.code,
        vitale_serial="8250012345",
    )
    await a_dossier(session, rt, request=request, actor=Actor(kind=ActorKind.PATIENT, id="web"))
    with pytest.raises(errors.CreationCodeUsed):
        await check_online_creation(session, rt=rt, nir=nir, creation_code=issued.code)


async def test_refusals_are_precise(session, rt, clock):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    with pytest.raises(InvalidNir):
        await check_online_creation(session, rt=rt, nir="123", creation_code=issued.code)
    with pytest.raises(errors.CreationCodeInvalid):
        await check_online_creation(session, rt=rt, nir=nir, creation_code="ABCD")
    with pytest.raises(errors.CreationCodeInvalid):  # another person's code
        await check_online_creation(session, rt=rt, nir=make_nir(), creation_code=issued.code)
    clock.advance(timedelta(days=62))
    with pytest.raises(errors.CreationCodeExpired):
        await check_online_creation(session, rt=rt, nir=nir, creation_code=issued.code)


async def test_a_person_who_has_a_dossier_is_told_only_with_a_good_code(session, rt):
    nir = make_nir()
    issued = await issue_creation_code(session, rt=rt, actor=counter_agent(), nir=nir)
    await a_dossier(session, rt, request=adult_request(nir=nir))
    with pytest.raises(errors.CreationCodeInvalid):
        await check_online_creation(session, rt=rt, nir=nir, creation_code="A" * 12)
    with pytest.raises(errors.DossierAlreadyExists):
        await check_online_creation(session, rt=rt, nir=nir, creation_code=issued.code)
