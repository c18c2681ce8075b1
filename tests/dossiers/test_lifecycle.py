"""Creation with consent, one dossier per person, minors, closure, reactivation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dmp.access.models import Authorization
from dmp.audit.models import Trace
from dmp.crypto.passwords import verify_password
from dmp.dossiers import errors
from dmp.dossiers.models import Dossier, LegalRepresentative, PatientAccount
from dmp.dossiers.schemas import ClosureReason, ConsentBy, ConsentIn, Identity
from dmp.dossiers.service import (
    close_dossier,
    create_dossier,
    lookup_dossier,
    reactivate_dossier,
    set_deletion_request,
)
from dmp.errors import AccessDenied
from dmp.identity.errors import InvalidNir
from tests.builders.actors import counter_agent, patient, professional
from tests.builders.dossiers import a_dossier, adult_request, minor_request


async def _count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def test_creation_records_consent_and_returns_credentials_once(session, rt):
    created = await a_dossier(session, rt)
    dossier = await session.get(Dossier, created.dossier_id)
    assert dossier.status == "active"
    assert dossier.consent_by == "holder"
    assert dossier.consent_at == rt.clock.now()
    assert dossier.consent_channel == "counter"
    assert dossier.consent_recorded_by == "counter_agent:agent-cpam-75-01"
    assert dossier.btg_consent is True and dossier.etreat_consent is True
    assert dossier.masked_consent is False
    account = (
        await session.execute(select(PatientAccount).where(PatientAccount.dossier_id == dossier.id))
    ).scalar_one()
    assert account.login_id == created.login_id
    assert account.must_change_password is True
    assert created.initial_password not in account.password_hash
    assert account.password_hash.startswith("$argon2id$")
    assert verify_password(account.password_hash, created.initial_password)


async def test_creation_without_consent_is_refused_and_changes_nothing(session, rt):
    before = await _count(session, Dossier)
    with pytest.raises(errors.ConsentMissing):
        await a_dossier(session, rt, request=adult_request(consent=ConsentIn(given=False)))
    assert await _count(session, Dossier) == before


async def test_a_second_dossier_for_the_same_person_is_refused(session, rt):
    request = adult_request()
    await a_dossier(session, rt, request=request)
    before = await _count(session, Dossier)
    with pytest.raises(errors.DossierAlreadyExists) as refused:
        await a_dossier(session, rt, request=request)
    assert "actif" in refused.value.message("fr")
    assert await _count(session, Dossier) == before


async def test_malformed_nir_is_refused_with_the_reason(session, rt):
    with pytest.raises(InvalidNir) as refused:
        await a_dossier(session, rt, request=adult_request(nir="295109912611199"))
    assert "clé de contrôle" in refused.value.message("fr")


async def test_a_minor_needs_a_legal_representative_who_is_recorded(session, rt):
    request = minor_request()
    without_representative = request.model_copy(update={"consent": ConsentIn(given=True)})
    with pytest.raises(errors.RepresentativeConsentRequired):
        await a_dossier(session, rt, request=without_representative)

    created = await a_dossier(session, rt, request=request)
    dossier = await session.get(Dossier, created.dossier_id)
    assert dossier.is_minor is True
    assert dossier.consent_by == ConsentBy.LEGAL_REPRESENTATIVE.value
    assert dossier.majority_on == date(2033, 9, 1)
    representatives = (
        (
            await session.execute(
                select(LegalRepresentative).where(LegalRepresentative.dossier_id == dossier.id)
            )
        )
        .scalars()
        .all()
    )
    assert len(representatives) == 1
    assert created.account_role == "legal_representative"


async def test_the_creating_professional_is_authorized(session, rt):
    doctor = professional()
    created = await create_dossier(
        session, rt=rt, actor=doctor, request=adult_request(channel="professional")
    )
    grant = await session.get(Authorization, (created.dossier_id, doctor.id))
    assert grant is not None and grant.state == "authorized" and grant.declared_consent


async def test_creation_is_traced(session, rt):
    created = await a_dossier(session, rt)
    traces = (
        (await session.execute(select(Trace).where(Trace.dossier_id == created.dossier_id)))
        .scalars()
        .all()
    )
    assert [(t.action, t.outcome, t.actor_kind) for t in traces] == [
        ("dossier:create", "allowed", "counter_agent")
    ]


async def test_lookup_answers_status_or_nothing(session, rt):
    request = adult_request()
    assert await lookup_dossier(session, rt=rt, actor=professional(), nir=request.nir) is None
    created = await a_dossier(session, rt, request=request)
    found = await lookup_dossier(session, rt=rt, actor=professional(), nir=request.nir)
    assert found is not None and found.dossier_id == created.dossier_id and found.status == "active"


async def test_close_keeps_data_ten_years_and_refuses_a_second_close(session, rt):
    created = await a_dossier(session, rt)
    closed = await close_dossier(
        session,
        rt=rt,
        actor=counter_agent(),
        dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )
    assert closed.status == "closed"
    assert closed.purge_after == rt.clock.now().replace(year=rt.clock.now().year + 10)
    version = (await session.get(Dossier, created.dossier_id)).version
    with pytest.raises(errors.DossierAlreadyClosed):
        await close_dossier(
            session,
            rt=rt,
            actor=counter_agent(),
            dossier_id=created.dossier_id,
            reason=ClosureReason.OTHER,
        )
    assert (await session.get(Dossier, created.dossier_id)).version == version


async def test_deletion_request_is_cancellable_until_carried_out(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    closed = await close_dossier(
        session,
        rt=rt,
        actor=holder,
        dossier_id=created.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
        request_deletion=True,
    )
    assert closed.deletion_requested
    assert closed.purge_after == rt.clock.now() + timedelta(days=rt.settings.deletion_grace_days)
    cancelled = await set_deletion_request(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, requested=False
    )
    assert not cancelled.deletion_requested
    assert cancelled.purge_after.year == rt.clock.now().year + 10


async def test_reactivation_needs_a_new_consent(session, rt, clock):
    created = await a_dossier(session, rt)
    await close_dossier(
        session,
        rt=rt,
        actor=counter_agent(),
        dossier_id=created.dossier_id,
        reason=ClosureReason.OTHER,
    )
    clock.advance(timedelta(days=400))
    with pytest.raises(errors.ConsentMissing):
        await reactivate_dossier(
            session,
            rt=rt,
            actor=counter_agent(),
            dossier_id=created.dossier_id,
            consent=ConsentIn(given=False),
        )
    reactivated = await reactivate_dossier(
        session,
        rt=rt,
        actor=counter_agent(),
        dossier_id=created.dossier_id,
        consent=ConsentIn(given=True),
    )
    assert reactivated.status == "active" and reactivated.purge_after is None
    dossier = await session.get(Dossier, created.dossier_id)
    assert dossier.consent_at == clock.now()


async def test_reactivating_an_active_dossier_is_refused(session, rt):
    created = await a_dossier(session, rt)
    with pytest.raises(errors.DossierNotClosed):
        await reactivate_dossier(
            session,
            rt=rt,
            actor=counter_agent(),
            dossier_id=created.dossier_id,
            consent=ConsentIn(given=True),
        )


async def test_a_professional_without_any_grant_cannot_close(session, rt):
    created = await a_dossier(session, rt)
    stranger = professional("810000000018")
    with pytest.raises(AccessDenied):
        await close_dossier(
            session,
            rt=rt,
            actor=stranger,
            dossier_id=created.dossier_id,
            reason=ClosureReason.DEATH,
        )
    denied = (
        await session.execute(
            select(Trace).where(Trace.dossier_id == created.dossier_id, Trace.outcome == "denied")
        )
    ).scalar_one()
    assert denied.reason == "not_authorized" and denied.actor_id == stranger.id


async def test_identity_birth_date_in_the_future_is_rejected():
    with pytest.raises(ValueError, match="date de naissance impossible"):
        Identity(family_name="Martin", given_names="Léa", birth_date=date(2300, 1, 1))
