"""The "DMP button": a professional's software asks whether the patient in front of them
has a DMP, in which state, and what the caller is to it (authorized, blocked, treating
physician). Identity is returned only to those who may read the administrative data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import context_for, enforce
from dmp.access.facts import load_dossier_facts
from dmp.dossiers.schemas import DossierSummary
from dmp.dossiers.service import find_living_dossier, summary_of
from dmp.dossiers.vault import open_json
from dmp.errors import AccessDenied
from dmp.policy import Action, Actor, AuthorizationState, decide
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class ButtonAnswer:
    summary: DossierSummary
    authorized: bool
    blocked: bool
    treating_physician: bool
    administrator: bool
    identity: dict[str, Any] | None  # only when the caller may read it


async def press_dmp_button(
    session: AsyncSession, *, rt: Runtime, actor: Actor, nir: str
) -> ButtonAnswer | None:
    dossier = await find_living_dossier(session, rt=rt, nir=nir)
    if dossier is None:
        if not decide(actor, Action.DOSSIER_LOOKUP, None):
            raise AccessDenied(reason="action_not_permitted", action=Action.DOSSIER_LOOKUP.value)
        return None
    facts = await load_dossier_facts(
        session, dossier=dossier, actor=actor, today=rt.clock.now().date()
    )
    await enforce(
        session, rt=rt, actor=actor, action=Action.DOSSIER_LOOKUP, dossier=dossier, facts=facts
    )
    # The lookup's trace covers this pure check: no second trace for the same request.
    may_read_identity = decide(actor, Action.DOSSIER_ADMIN_READ, facts, None, context_for(rt))
    identity = None
    if may_read_identity.allowed and dossier.wrapped_key is not None:
        key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
        identity = open_json(key, dossier.id, "identity", dossier.identity_ct)
    return ButtonAnswer(
        summary=summary_of(dossier),
        authorized=facts.actor_authorization is AuthorizationState.AUTHORIZED,
        blocked=facts.actor_authorization is AuthorizationState.BLOCKED,
        treating_physician=facts.actor_is_treating_physician,
        administrator=facts.actor_is_administrator,
        identity=identity,
    )
