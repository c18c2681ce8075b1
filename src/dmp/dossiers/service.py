"""The dossier lifecycle: creation with consent, lookup, closure, reactivation.

Every function asks the policy through ``access.enforce`` (or ``decide`` before a
dossier exists), writes its trace in the caller's transaction and only flushes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.access.models import Authorization
from dmp.audit.service import record_trace
from dmp.crypto.passwords import hash_password, new_initial_password, new_login_id
from dmp.db.direct import DirectStatement, flush_pending
from dmp.dossiers import errors
from dmp.dossiers.codes import consume_creation_code
from dmp.dossiers.models import Dossier, LegalRepresentative, PatientAccount
from dmp.dossiers.schemas import (
    ClosureReason,
    ConsentBy,
    ConsentIn,
    CreatedDossier,
    CreationChannel,
    DossierCreate,
    DossierSummary,
)
from dmp.dossiers.vault import seal_json
from dmp.errors import AccessDenied
from dmp.identity.nir import parse_nir
from dmp.jobs.schedule import schedule_first_feed
from dmp.kit.ids import new_id
from dmp.notifications import hooks as notify
from dmp.policy import Action, Actor, ActorKind, Decision, DossierStatus, Reason, decide
from dmp.runtime import Runtime

MAJORITY_AGE = 18


def majority_date(birth_date: date) -> date:
    try:
        return birth_date.replace(year=birth_date.year + MAJORITY_AGE)
    except ValueError:  # born on 29 February
        return date(birth_date.year + MAJORITY_AGE, 3, 1)


# Built once, the id bound at execution: the API runs these on most requests.
_DOSSIER = select(Dossier).where(Dossier.id == bindparam("dossier_id"))
_DOSSIER_LOCKED = _DOSSIER.with_for_update()
# On the driver (decision 0005): every deposit names its dossier this way.
_DOSSIER_ID = DirectStatement(select(Dossier.id).where(Dossier.id == bindparam("dossier_id")))


async def get_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, *, lock: bool = False
) -> Dossier:
    query = _DOSSIER_LOCKED if lock else _DOSSIER
    dossier = (await session.execute(query, {"dossier_id": dossier_id})).scalar_one_or_none()
    if dossier is None:
        raise errors.DossierNotFound(what="DMP")
    return dossier


async def check_dossier_exists(session: AsyncSession, dossier_id: uuid.UUID) -> None:
    """``get_dossier`` without loading it, for a caller that only names the dossier."""
    await flush_pending(session)  # a dossier created earlier in the transaction
    if await _DOSSIER_ID.first(session, {"dossier_id": dossier_id}) is None:
        raise errors.DossierNotFound(what="DMP")


async def find_living_dossier(session: AsyncSession, *, rt: Runtime, nir: str) -> Dossier | None:
    ins_index = rt.blind_index.of(parse_nir(nir).value)
    return (
        await session.execute(
            select(Dossier).where(Dossier.ins_index == ins_index, Dossier.status != "purged")
        )
    ).scalar_one_or_none()


def summary_of(dossier: Dossier) -> DossierSummary:
    return DossierSummary(
        dossier_id=dossier.id,
        status=dossier.status,
        is_minor=dossier.is_minor,
        closed_at=dossier.closed_at,
        purge_after=dossier.purge_after,
        deletion_requested=dossier.deletion_requested,
    )


async def lookup_dossier(
    session: AsyncSession, *, rt: Runtime, actor: Actor, nir: str
) -> DossierSummary | None:
    """The "DMP button": does this person have a DMP, and in which state. Traced."""
    dossier = await find_living_dossier(session, rt=rt, nir=nir)
    if dossier is None:
        if not decide(actor, Action.DOSSIER_LOOKUP, None):
            raise AccessDenied(reason=Reason.ACTION_NOT_PERMITTED.value, action="dossier:lookup")
        return None
    await enforce(session, rt=rt, actor=actor, action=Action.DOSSIER_LOOKUP, dossier=dossier)
    return summary_of(dossier)


def _check_consent(consent: ConsentIn, *, is_minor: bool) -> None:
    if not consent.given:
        raise errors.ConsentMissing()
    if is_minor and (
        consent.by is not ConsentBy.LEGAL_REPRESENTATIVE or consent.representative is None
    ):
        raise errors.RepresentativeConsentRequired()


async def create_dossier(
    session: AsyncSession, *, rt: Runtime, actor: Actor, request: DossierCreate
) -> CreatedDossier:
    decision = decide(actor, Action.DOSSIER_CREATE, None)
    if not decision:
        raise AccessDenied(reason=decision.reason.value, action=Action.DOSSIER_CREATE.value)
    nir = parse_nir(request.nir)
    now = rt.clock.now()
    majority_on = majority_date(request.identity.birth_date)
    is_minor = majority_on > now.date()
    _check_consent(request.consent, is_minor=is_minor)
    if (
        request.channel is CreationChannel.PATIENT_ONLINE
        and not (request.vitale_serial or "").strip()
    ):
        raise errors.VitaleSerialRequired()

    ins_index = rt.blind_index.of(nir.value)
    existing = await session.scalar(
        select(Dossier.status).where(Dossier.ins_index == ins_index, Dossier.status != "purged")
    )
    if existing is not None:
        raise errors.DossierAlreadyExists(status="actif" if existing == "active" else "fermé")
    if request.channel is CreationChannel.PATIENT_ONLINE:
        await consume_creation_code(
            session, rt=rt, ins_index=ins_index, raw_code=request.creation_code or ""
        )

    dossier_id = new_id()
    data_key = rt.keyring.new_data_key()
    identity = request.identity.model_dump(mode="json") | {"nir": nir.value}
    dossier = Dossier(
        id=dossier_id,
        ins_index=ins_index,
        status=DossierStatus.ACTIVE.value,
        wrapped_key=rt.keyring.wrap(data_key, dossier_id=str(dossier_id)),
        identity_ct=seal_json(data_key, dossier_id, "identity", identity),
        contact_ct=seal_json(
            data_key, dossier_id, "contact", request.contact.model_dump(mode="json")
        ),
        is_minor=is_minor,
        majority_on=majority_on if is_minor else None,
        created_at=now,
        creation_channel=request.channel.value,
        created_by_kind=actor.kind.value,
        created_by_id=actor.id[:64],
        consent_by=request.consent.by.value,
        consent_at=now,
        consent_channel=request.channel.value,
        consent_recorded_by=f"{actor.kind.value}:{actor.id}"[:64],
        btg_consent=request.btg_consent,
        etreat_consent=request.etreat_consent,
        masked_consent=False,
        legal_representative_doctor_only=False,
        notification_preferences={"email": True, "sms": True},
        deletion_requested=False,
        version=1,
    )
    session.add(dossier)
    # The row must exist before anything refers to it (foreign keys, trace chain).
    await session.flush()

    representative_id = None
    if is_minor and request.consent.representative is not None:
        representative = request.consent.representative
        representative_id = new_id()
        session.add(
            LegalRepresentative(
                dossier_id=dossier_id,
                id=representative_id,
                identity_ct=seal_json(
                    data_key,
                    dossier_id,
                    "representative",
                    representative.model_dump(mode="json", exclude={"contact"}),
                ),
                contact_ct=seal_json(
                    data_key,
                    dossier_id,
                    "representative-contact",
                    representative.contact.model_dump(mode="json"),
                ),
                created_at=now,
            )
        )
    login_id, password = await _new_account(
        session,
        dossier_id=dossier_id,
        role="legal_representative" if representative_id else "holder",
        representative_id=representative_id,
        now=now,
    )
    if actor.kind is ActorKind.PROFESSIONAL:
        # The professional who created the dossier with the patient is authorized.
        session.add(
            Authorization(
                dossier_id=dossier_id,
                professional_id=actor.id,
                state="authorized",
                granted_by_kind=actor.kind.value,
                granted_by_id=actor.id,
                declared_consent=True,
                created_at=now,
                updated_at=now,
            )
        )
    await record_trace(
        session,
        dossier_id=dossier_id,
        actor=actor,
        action=Action.DOSSIER_CREATE.value,
        decision=decision,
        at=now,
    )
    await notify.dossier_created(session, rt=rt, dossier=dossier)
    await schedule_first_feed(session, rt=rt, dossier_id=dossier_id)
    return CreatedDossier(
        dossier_id=dossier_id,
        login_id=login_id,
        initial_password=password,
        created_at=now,
        account_role="legal_representative" if representative_id else "holder",
    )


async def _new_account(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    role: str,
    representative_id: uuid.UUID | None,
    now: datetime,
) -> tuple[str, str]:
    while True:
        login_id = new_login_id()
        if not await session.scalar(
            select(PatientAccount.id).where(PatientAccount.login_id == login_id)
        ):
            break
    password = new_initial_password()
    session.add(
        PatientAccount(
            id=new_id(),
            dossier_id=dossier_id,
            role=role,
            legal_representative_id=representative_id,
            login_id=login_id,
            password_hash=hash_password(password),
            must_change_password=True,
            failed_attempts=0,
            created_at=now,
        )
    )
    await session.flush()
    return login_id, password


async def close_dossier(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    reason: ClosureReason,
    request_deletion: bool = False,
) -> DossierSummary:
    """Closes; data kept 10 years unless the holder asks for deletion (cancellable)."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    _refuse_purged(dossier)
    if dossier.status == DossierStatus.CLOSED.value:
        raise errors.DossierAlreadyClosed()
    await enforce(session, rt=rt, actor=actor, action=Action.DOSSIER_CLOSE, dossier=dossier)
    now = rt.clock.now()
    dossier.status = DossierStatus.CLOSED.value
    dossier.closed_at = now
    dossier.closure_reason = reason.value
    dossier.closed_by_kind = actor.kind.value
    _set_deletion(rt, dossier, requested=request_deletion)
    dossier.version += 1
    await session.flush()
    await notify.dossier_closed(
        session, rt=rt, dossier=dossier, after_death=reason is ClosureReason.DEATH
    )
    return summary_of(dossier)


def _retention_end(rt: Runtime, closed_at: datetime) -> datetime:
    years = rt.settings.retention_years_after_closure
    try:
        return closed_at.replace(year=closed_at.year + years)
    except ValueError:
        return closed_at.replace(year=closed_at.year + years, day=28)


def _set_deletion(rt: Runtime, dossier: Dossier, *, requested: bool) -> None:
    assert dossier.closed_at is not None
    dossier.deletion_requested = requested
    if requested:
        dossier.purge_after = rt.clock.now() + timedelta(days=rt.settings.deletion_grace_days)
    else:
        dossier.purge_after = _retention_end(rt, dossier.closed_at)


async def set_deletion_request(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, requested: bool
) -> DossierSummary:
    """The holder asks for (or cancels) the deletion of a closed dossier's data."""
    dossier = await get_dossier(session, dossier_id, lock=True)
    _refuse_purged(dossier)
    if dossier.status != DossierStatus.CLOSED.value:
        raise errors.DossierNotClosed()
    if not requested and not dossier.deletion_requested:
        raise errors.NoDeletionRequested()
    await enforce(session, rt=rt, actor=actor, action=Action.DOSSIER_ADMIN_UPDATE, dossier=dossier)
    _set_deletion(rt, dossier, requested=requested)
    dossier.version += 1
    await session.flush()
    return summary_of(dossier)


async def reactivate_dossier(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, consent: ConsentIn
) -> DossierSummary:
    dossier = await get_dossier(session, dossier_id, lock=True)
    _refuse_purged(dossier)
    if dossier.status != DossierStatus.CLOSED.value:
        raise errors.DossierNotClosed()
    _check_consent(consent, is_minor=dossier.is_minor)
    await enforce(session, rt=rt, actor=actor, action=Action.DOSSIER_REACTIVATE, dossier=dossier)
    now = rt.clock.now()
    dossier.status = DossierStatus.ACTIVE.value
    dossier.consent_by = consent.by.value
    dossier.consent_at = now
    dossier.consent_channel = _channel_of(actor)
    dossier.consent_recorded_by = f"{actor.kind.value}:{actor.id}"[:64]
    dossier.closed_at = None
    dossier.closure_reason = None
    dossier.closed_by_kind = None
    dossier.deletion_requested = False
    dossier.purge_after = None
    dossier.version += 1
    await session.flush()
    await notify.dossier_reactivated(session, rt=rt, dossier=dossier)
    return summary_of(dossier)


def _channel_of(actor: Actor) -> str:
    return {
        ActorKind.PATIENT: CreationChannel.PATIENT_ONLINE,
        ActorKind.LEGAL_REPRESENTATIVE: CreationChannel.PATIENT_ONLINE,
        ActorKind.PROFESSIONAL: CreationChannel.PROFESSIONAL,
        ActorKind.COUNTER_AGENT: CreationChannel.COUNTER,
        ActorKind.SUPPORT: CreationChannel.COUNTER,
    }.get(actor.kind, CreationChannel.OPERATOR).value


def _refuse_purged(dossier: Dossier) -> None:
    if dossier.status == DossierStatus.PURGED.value:
        raise errors.DossierPurged()


def decision_for_lookup(actor: Actor) -> Decision:
    return decide(actor, Action.DOSSIER_LOOKUP, None)
