"""Purge: only after the retention end; destroys the key, the rows and the contents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dmp.audit.models import Trace
from dmp.crypto import KeyUnavailable
from dmp.dossiers import errors
from dmp.dossiers.models import Dossier, PatientAccount
from dmp.dossiers.purge import due_for_purge, purge_dossier
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.errors import AccessDenied
from tests.builders.actors import counter_agent, operator
from tests.builders.dossiers import a_dossier, adult_request


async def _closed(session, rt):
    created = await a_dossier(session, rt)
    await close_dossier(
        session,
        rt=rt,
        actor=counter_agent(),
        dossier_id=created.dossier_id,
        reason=ClosureReason.DEATH,
    )
    return created


async def test_purging_before_the_retention_end_is_refused_and_changes_nothing(session, rt, clock):
    created = await _closed(session, rt)
    clock.advance(timedelta(days=365 * 9))
    assert await due_for_purge(session, rt=rt) == []
    with pytest.raises(errors.PurgeTooEarly) as refused:
        await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)
    assert str(clock.now().year + 1) in refused.value.message("fr")
    dossier = await session.get(Dossier, created.dossier_id)
    assert dossier.status == "closed" and dossier.wrapped_key is not None


async def test_an_active_dossier_is_never_purged(session, rt):
    created = await a_dossier(session, rt)
    with pytest.raises(errors.DossierNotClosed):
        await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)


async def test_purge_after_ten_years_destroys_key_rows_and_leaves_a_tombstone(session, rt, clock):
    created = await _closed(session, rt)
    clock.advance(timedelta(days=365 * 10 + 3))
    due = await due_for_purge(session, rt=rt)
    assert [c.dossier_id for c in due] == [created.dossier_id]
    await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)
    tombstone = await session.get(Dossier, created.dossier_id)
    assert tombstone.status == "purged" and tombstone.purged_at == clock.now()
    assert tombstone.wrapped_key is None and tombstone.identity_ct is None
    with pytest.raises(KeyUnavailable):
        rt.keyring.unwrap(tombstone.wrapped_key, dossier_id=str(tombstone.id))
    for model in (Trace, PatientAccount):
        remaining = await session.scalar(
            select(func.count()).select_from(model).where(model.dossier_id == created.dossier_id)
        )
        assert remaining == 0
    with pytest.raises(errors.DossierPurged):
        await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)


async def test_the_same_person_may_create_a_new_dossier_after_purge(session, rt, clock):
    request = adult_request()
    created = await a_dossier(session, rt, request=request)
    await close_dossier(
        session,
        rt=rt,
        actor=counter_agent(),
        dossier_id=created.dossier_id,
        reason=ClosureReason.OTHER,
    )
    clock.advance(timedelta(days=365 * 11))
    await purge_dossier(session, rt=rt, actor=operator(), dossier_id=created.dossier_id)
    again = await a_dossier(session, rt, request=request)
    assert again.dossier_id != created.dossier_id


async def test_only_the_operator_or_system_purges(session, rt, clock):
    created = await _closed(session, rt)
    clock.advance(timedelta(days=365 * 11))
    with pytest.raises(AccessDenied):
        await purge_dossier(session, rt=rt, actor=counter_agent(), dossier_id=created.dossier_id)
