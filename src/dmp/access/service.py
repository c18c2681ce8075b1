"""Managing who reads a dossier: authorizations, blocks, treating physicians and
administrators, consent declared by a professional, the legal representatives' restriction.

Every function validates its input, asks the policy through ``enforce`` (which traces the
request, allowed or denied, with ``target`` = "<operation>:<professional id>"), then
checks the current state and only then changes rows. A state refusal (409/422) is raised
before any change: the unit of work rolls back and nothing, not even the trace, remains.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access import errors
from dmp.access.enforce import enforce
from dmp.access.facts import is_minor_on
from dmp.access.models import Authorization, TreatingPhysician
from dmp.access.repository import get_authorization, get_designation, in_directory, standings
from dmp.access.schemas import (
    AccessOperation,
    ManagerRole,
    ProfessionalAccess,
    trace_target,
)
from dmp.dossiers.errors import DossierPurged
from dmp.dossiers.models import Dossier
from dmp.dossiers.service import get_dossier
from dmp.identity.national_id import parse_national_id
from dmp.policy import Action, Actor, ActorKind, AuthorizationState, DossierStatus
from dmp.runtime import Runtime

_HOLDER_SIDE = (ActorKind.PATIENT, ActorKind.LEGAL_REPRESENTATIVE)


async def _prepare(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    action: Action,
    operation: AccessOperation,
    professional_id: str | None,
) -> Dossier:
    """Locks the dossier (management changes on one dossier are serialised) and enforces."""
    dossier = await living_dossier(session, dossier_id, lock=True)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=action,
        dossier=dossier,
        target=trace_target(operation, professional_id),
    )
    return dossier


async def living_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, *, lock: bool = False
) -> Dossier:
    """A purged dossier no longer exists: nothing is decided, nor traced, about it."""
    dossier = await get_dossier(session, dossier_id, lock=lock)
    if dossier.status == DossierStatus.PURGED.value:
        raise DossierPurged()
    return dossier


async def _require_in_directory(session: AsyncSession, professional_id: str) -> None:
    # Rights are given to a known person only; a typo must not create a phantom grant.
    if not await in_directory(session, professional_id):
        raise errors.ProfessionalNotInDirectory(professional_id=professional_id)


async def _standing(
    session: AsyncSession, dossier_id: uuid.UUID, professional_id: str
) -> ProfessionalAccess:
    await session.flush()
    found = await standings(session, dossier_id, professional_id)
    return found[0] if found else ProfessionalAccess(national_id=professional_id)


def _state_of(grant: Authorization | None) -> AuthorizationState | None:
    return AuthorizationState(grant.state) if grant is not None else None


@dataclass(frozen=True, slots=True)
class _StateChange:
    """An authorization's state change once decided and traced: what the caller checks
    (``state``, the current one) and the one way to make the change (``to``)."""

    session: AsyncSession
    rt: Runtime
    actor: Actor
    dossier_id: uuid.UUID
    professional_id: str
    grant: Authorization | None

    @property
    def state(self) -> AuthorizationState | None:
        return _state_of(self.grant)

    async def to(self, state: AuthorizationState, *, declared: bool = False) -> ProfessionalAccess:
        """One row per (dossier, professional); ``granted_by_*`` name whoever set the
        current state and ``updated_at`` says since when (the trace chain keeps every
        earlier step)."""
        now = self.rt.clock.now()
        grant = self.grant
        if grant is None:
            grant = Authorization(dossier_id=self.dossier_id, professional_id=self.professional_id)
            grant.created_at = now
            self.session.add(grant)
        grant.state = state.value
        grant.granted_by_kind = self.actor.kind.value
        grant.granted_by_id = self.actor.id[:64]
        grant.declared_consent = declared
        grant.updated_at = now
        return await _standing(self.session, self.dossier_id, self.professional_id)


async def _state_change(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    professional_id: str,
    action: Action,
    operation: AccessOperation,
) -> _StateChange:
    """Decides and traces ``operation`` (``_prepare``), then reads the current grant."""
    await _prepare(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        action=action,
        operation=operation,
        professional_id=professional_id,
    )
    professional_id = parse_national_id(professional_id)
    grant = await get_authorization(session, dossier_id, professional_id)
    return _StateChange(session, rt, actor, dossier_id, professional_id, grant)


def _refuse_if_authorized_or_blocked(change: _StateChange) -> None:
    if change.state is AuthorizationState.AUTHORIZED:
        raise errors.AlreadyAuthorized(professional_id=change.professional_id)
    if change.state is AuthorizationState.BLOCKED:
        raise errors.ProfessionalBlocked(professional_id=change.professional_id)


async def authorize_professional(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, professional_id: str
) -> ProfessionalAccess:
    """The patient side or a manager gives a professional of the directory reading rights."""
    professional_id = parse_national_id(professional_id)
    await _require_in_directory(session, professional_id)
    change = await _state_change(
        session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=professional_id,
        action=Action.ACCESS_MANAGE, operation=AccessOperation.AUTHORIZE,
    )  # fmt: skip
    _refuse_if_authorized_or_blocked(change)
    return await change.to(AuthorizationState.AUTHORIZED)


async def revoke_authorization(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, professional_id: str
) -> ProfessionalAccess:
    """Ends an authorization; a designation (treating physician…) is removed separately."""
    change = await _state_change(
        session, rt=rt, actor=actor, dossier_id=dossier_id,
        professional_id=parse_national_id(professional_id),
        action=Action.ACCESS_MANAGE, operation=AccessOperation.REVOKE,
    )  # fmt: skip
    if change.state is not AuthorizationState.AUTHORIZED:
        raise errors.AuthorizationNotGranted(professional_id=change.professional_id)
    return await change.to(AuthorizationState.REVOKED)


async def block_professional(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, professional_id: str
) -> ProfessionalAccess:
    """A blocked professional reads nothing, break-glass included, until the patient side
    unblocks them; they may still deposit documents.

    Any well-formed id may be blocked, even one the directory does not (yet) know: a
    patient protecting themselves must not wait for the directory. Blocking a treating
    physician or administrator ends that designation, and only the patient side may do
    it, since only the patient side can undo a block.
    """
    change = await _state_change(
        session, rt=rt, actor=actor, dossier_id=dossier_id,
        professional_id=parse_national_id(professional_id),
        action=Action.ACCESS_MANAGE, operation=AccessOperation.BLOCK,
    )  # fmt: skip
    if change.state is AuthorizationState.BLOCKED:
        raise errors.AlreadyBlocked(professional_id=change.professional_id)
    designation = await get_designation(session, dossier_id, change.professional_id)
    if designation is not None:
        if actor.kind not in _HOLDER_SIDE:
            raise errors.BlockingManagerReservedToPatient(professional_id=change.professional_id)
        await session.delete(designation)
    return await change.to(AuthorizationState.BLOCKED)


async def unblock_professional(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, professional_id: str
) -> ProfessionalAccess:
    """Only the patient side unblocks (the policy refuses professionals). Unblocking gives
    no access back: the professional is left without authorization (state "revoked")."""
    change = await _state_change(
        session, rt=rt, actor=actor, dossier_id=dossier_id,
        professional_id=parse_national_id(professional_id),
        action=Action.ACCESS_UNBLOCK, operation=AccessOperation.UNBLOCK,
    )  # fmt: skip
    if change.state is not AuthorizationState.BLOCKED:
        raise errors.NotBlocked(professional_id=change.professional_id)
    return await change.to(AuthorizationState.REVOKED)


async def declare_consent(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> ProfessionalAccess:
    """The acting professional declares the patient's consent and becomes authorized; the
    row records the time and the declarer. Refused (by the policy) when blocked. The
    professional's card identifies them, so the directory is not required here."""
    # The policy answers first: a patient or a counter agent is refused (and traced) as
    # such, not told that their account id is not a national id (``_state_change``
    # parses it after the decision).
    change = await _state_change(
        session, rt=rt, actor=actor, dossier_id=dossier_id, professional_id=actor.id,
        action=Action.ACCESS_DECLARE_CONSENT, operation=AccessOperation.DECLARE_CONSENT,
    )  # fmt: skip
    _refuse_if_authorized_or_blocked(change)  # the policy refuses a block first: a backstop
    return await change.to(AuthorizationState.AUTHORIZED, declared=True)


async def designate_treating_physician(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    professional_id: str,
    role: ManagerRole = ManagerRole.TREATING_PHYSICIAN,
) -> ProfessionalAccess:
    """Designates a "médecin traitant DMP" (several allowed) or gives a professional the
    same "administrator" rights. Designating someone already designated in the other
    role switches the role."""
    professional_id = parse_national_id(professional_id)
    await _require_in_directory(session, professional_id)
    operation = (
        AccessOperation.DESIGNATE_TREATING_PHYSICIAN
        if role is ManagerRole.TREATING_PHYSICIAN
        else AccessOperation.DESIGNATE_ADMINISTRATOR
    )
    await _prepare(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        action=Action.ACCESS_MANAGE,
        operation=operation,
        professional_id=professional_id,
    )
    if _state_of(await get_authorization(session, dossier_id, professional_id)) is (
        AuthorizationState.BLOCKED
    ):
        raise errors.ProfessionalBlocked(professional_id=professional_id)
    designation = await get_designation(session, dossier_id, professional_id)
    if designation is not None and designation.role == role.value:
        raise errors.AlreadyDesignated(professional_id=professional_id, role=role.value)
    if designation is None:
        designation = TreatingPhysician(dossier_id=dossier_id, professional_id=professional_id)
        session.add(designation)
    designation.role = role.value
    designation.designated_by_kind = actor.kind.value
    designation.designated_by_id = actor.id[:64]
    designation.created_at = rt.clock.now()
    return await _standing(session, dossier_id, professional_id)


async def remove_treating_physician(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, professional_id: str
) -> ProfessionalAccess:
    """Ends a treating physician's or administrator's designation; an authorization the
    professional also holds is kept (revoke it separately)."""
    professional_id = parse_national_id(professional_id)
    await _prepare(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        action=Action.ACCESS_MANAGE,
        operation=AccessOperation.REMOVE_DESIGNATION,
        professional_id=professional_id,
    )
    designation = await get_designation(session, dossier_id, professional_id)
    if designation is None:
        raise errors.NotDesignated(professional_id=professional_id)
    await session.delete(designation)
    return await _standing(session, dossier_id, professional_id)


async def restrict_legal_representatives(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID, doctor_only: bool
) -> None:
    """Restricts the legal representatives of a minor to access "only in the presence of a
    doctor" (or lifts it). A representative may not lift their own restriction."""
    operation = (
        AccessOperation.RESTRICT_REPRESENTATIVES
        if doctor_only
        else AccessOperation.UNRESTRICT_REPRESENTATIVES
    )
    dossier = await _prepare(
        session,
        rt=rt,
        actor=actor,
        dossier_id=dossier_id,
        action=Action.ACCESS_MANAGE,
        operation=operation,
        professional_id=None,
    )
    if not is_minor_on(dossier, rt.clock.now().date()):
        raise errors.NoLegalRepresentative()
    # A restricted representative only gets here with a doctor present (the policy
    # refuses them otherwise); even then the restriction is not theirs to lift.
    if not doctor_only and actor.kind is ActorKind.LEGAL_REPRESENTATIVE:
        raise errors.RepresentativeCannotLiftRestriction()
    if dossier.legal_representative_doctor_only == doctor_only:
        raise errors.RestrictionUnchanged(state="activée" if doctor_only else "levée")
    dossier.legal_representative_doctor_only = doctor_only
    dossier.version += 1
    await session.flush()


async def list_professionals(
    session: AsyncSession, *, rt: Runtime, actor: Actor, dossier_id: uuid.UUID
) -> list[ProfessionalAccess]:
    """The dossier's professionals and their standing, for the management page: managers
    first, then authorized, blocked and formerly authorized professionals."""
    dossier = await living_dossier(session, dossier_id)
    await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.ACCESS_MANAGE,
        dossier=dossier,
        target=trace_target(AccessOperation.LIST),
    )
    return await standings(session, dossier_id)
