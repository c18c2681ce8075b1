"""Break-glass ("bris de glace") for a signed-in professional: the deliberate step that
opens emergency access to one dossier, and the pass that carries it for the rest of the
session.

The API receives the reason with every CPS-signed request; a browser session states it
once. Breaking the glass is decided and traced like any read (the policy refuses when the
patient opposed break-glass or blocked this professional), and yields a pass sealed with
the dossier's data key and bound to the session and the professional: a pass copied into
another session, edited or kept past the session's lifetime does not open. Nothing is
stored server-side, and the reason (possibly medical) never travels in clear.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access import errors
from dmp.access.enforce import enforce
from dmp.access.facts import load_dossier_facts
from dmp.crypto import DataKey, KeyUnavailable
from dmp.dossiers.models import Dossier
from dmp.dossiers.service import get_dossier
from dmp.errors import AccessDenied, DmpError
from dmp.policy import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    AuthorizationState,
    DossierStatus,
    Reason,
)
from dmp.policy.decide import has_normal_basis
from dmp.runtime import Runtime

MAX_REASON = 500
# The trace of the step itself: the first read of the emergency, named so in the history.
BREAK_GLASS_TARGET = "break-glass"
_AAD = b"break-glass-pass:"


@dataclass(frozen=True, slots=True)
class EmergencyPass:
    dossier_id: uuid.UUID
    reason: str
    started_at: datetime
    token: str  # what the client keeps and presents again (opaque, sealed)


def in_emergency(actor: Actor, reason: str) -> Actor:
    """The professional as every later request of the emergency must present them."""
    return replace(actor, mode=AccessMode.BREAK_GLASS, break_glass_reason=reason)


def _normalised_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise errors.BreakGlassReasonRequired(detail="motif vide")
    if len(text) > MAX_REASON:
        raise errors.BreakGlassReasonRequired(detail=f"{MAX_REASON} caractères au plus")
    return text


def _aad(dossier_id: uuid.UUID, actor: Actor, bound_to: str) -> bytes:
    return _AAD + f"{bound_to}|{actor.id}|".encode() + dossier_id.bytes


async def break_glass(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    reason: str,
    bound_to: str,
) -> EmergencyPass:
    """Opens emergency access for ``actor`` to ``dossier_id``. Refused (and the refusal
    traced) when the patient opposed break-glass or blocked this professional; refused
    without a trace when there is no reason or the professional needs no emergency."""
    if actor.kind is not ActorKind.PROFESSIONAL:
        raise AccessDenied(reason=Reason.MODE_NOT_ALLOWED.value, action="dossier:break-glass")
    text = _normalised_reason(reason)
    dossier = await get_dossier(session, dossier_id)
    facts = await load_dossier_facts(
        session, dossier=dossier, actor=actor, today=rt.clock.now().date()
    )
    if facts.status is DossierStatus.ACTIVE and (
        has_normal_basis(facts) and facts.actor_authorization is not AuthorizationState.BLOCKED
    ):
        raise errors.EmergencyAccessNotNeeded()
    emergency = in_emergency(actor, text)
    await enforce(
        session,
        rt=rt,
        actor=emergency,
        action=Action.DOCUMENT_LIST,
        dossier=dossier,
        facts=facts,
        target=BREAK_GLASS_TARGET,
    )
    started_at = rt.clock.now()
    payload = orjson.dumps({"reason": text, "at": started_at.isoformat()})
    sealed = _data_key(rt, dossier).encrypt(payload, aad=_aad(dossier.id, actor, bound_to))
    token = base64.urlsafe_b64encode(sealed).decode().rstrip("=")
    return EmergencyPass(dossier.id, text, started_at, token)


def _data_key(rt: Runtime, dossier: Dossier) -> DataKey:
    return rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))


async def resume_break_glass(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    token: str,
    bound_to: str,
) -> EmergencyPass | None:
    """The pass presented again, or None when it does not open: another session or
    professional, altered, older than a session may live, or the dossier gone. Not
    traced: the request it serves is."""
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        dossier = await get_dossier(session, dossier_id)
        if dossier.status == DossierStatus.PURGED.value:
            return None
        payload = _data_key(rt, dossier).decrypt(sealed, aad=_aad(dossier.id, actor, bound_to))
        content = orjson.loads(payload)
        reason, started_at = str(content["reason"]), datetime.fromisoformat(content["at"])
    except (binascii.Error, ValueError, KeyError, TypeError, KeyUnavailable, DmpError):
        return None
    lifetime = timedelta(hours=rt.settings.session_absolute_hours)
    if not reason or started_at.tzinfo is None or rt.clock.now() - started_at > lifetime:
        return None
    return EmergencyPass(dossier_id, reason, started_at, token)
