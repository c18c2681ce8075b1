"""The claims of a signed assertion, checked against the clock and the certificate.

Pure: the signature has already been verified; nothing here touches a key or a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dmp.auth.errors import (
    AudienceMismatch,
    BreakGlassReasonMissing,
    ModeNotAllowed,
    ProfessionMismatch,
    RegulationCertificateRequired,
    SubjectMismatch,
    TokenClaimInvalid,
    TokenClaimMissing,
    TokenExpired,
    TokenLifetimeTooLong,
    TokenNotYetValid,
)
from dmp.auth.profiles import CertificateKind, CertifiedIdentity
from dmp.policy.model import AccessMode, ActorKind

MAX_JTI_LENGTH = 256
MAX_REASON_LENGTH = 1000
MAX_CODE_LENGTH = 64  # specialty and structure ids

ACTOR_KIND_OF = {
    CertificateKind.PROFESSIONAL: ActorKind.PROFESSIONAL,
    CertificateKind.REGULATOR: ActorKind.REGULATOR,
    CertificateKind.FEED: ActorKind.FEED,
}
# A regulation-centre certificate exists for regulation; a feed only pushes data.
DEFAULT_MODE = {
    CertificateKind.PROFESSIONAL: AccessMode.NORMAL,
    CertificateKind.REGULATOR: AccessMode.REGULATION,
    CertificateKind.FEED: AccessMode.NORMAL,
}
ALLOWED_MODES = {
    CertificateKind.PROFESSIONAL: {AccessMode.NORMAL, AccessMode.BREAK_GLASS},
    CertificateKind.REGULATOR: {AccessMode.REGULATION},
    CertificateKind.FEED: {AccessMode.NORMAL},
}


@dataclass(frozen=True, slots=True)
class Claims:
    actor_kind: ActorKind
    jti: str
    issued_at: datetime
    expires_at: datetime
    mode: AccessMode
    reason: str | None
    consent: bool
    specialty: str | None
    structure: str | None


def _numeric_date(payload: dict[str, Any], name: str) -> datetime:
    value = payload.get(name)
    if value is None:
        raise TokenClaimMissing(claim=name)
    # bool is an int in Python; true/false is no date.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TokenClaimInvalid(claim=name, detail="date numérique (secondes) attendue")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise TokenClaimInvalid(claim=name, detail="date hors limites") from exc


def _text(payload: dict[str, Any], name: str, limit: int) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise TokenClaimInvalid(claim=name, detail=f"texte de {limit} caractères au plus attendu")
    return value.strip() or None


def _audience_matches(value: Any, audience: str) -> bool:
    # RFC 7519 allows one audience or a list of them; trailing slashes are not meaningful.
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and v.rstrip("/") == audience for v in values)


def read_claims(
    payload: dict[str, Any],
    *,
    identity: CertifiedIdentity,
    audience: str,
    now: datetime,
    leeway: timedelta,
    max_lifetime: timedelta,
) -> Claims:
    expires_at = _numeric_date(payload, "exp")
    issued_at = _numeric_date(payload, "iat")
    if now > expires_at + leeway:
        raise TokenExpired(exp=expires_at.isoformat())
    if issued_at > now + leeway:
        raise TokenNotYetValid(iat=issued_at.isoformat())
    if "nbf" in payload and _numeric_date(payload, "nbf") > now + leeway:
        raise TokenNotYetValid(iat=_numeric_date(payload, "nbf").isoformat())
    if expires_at <= issued_at:
        raise TokenClaimInvalid(claim="exp", detail="antérieure à iat")
    if expires_at - issued_at > max_lifetime:
        raise TokenLifetimeTooLong(
            seconds=int((expires_at - issued_at).total_seconds()),
            limit=int(max_lifetime.total_seconds()),
        )

    if "aud" not in payload:
        raise TokenClaimMissing(claim="aud")
    if not _audience_matches(payload["aud"], audience):
        raise AudienceMismatch(aud=str(payload["aud"]), expected=audience)

    jti = _text(payload, "jti", MAX_JTI_LENGTH)
    if jti is None:
        raise TokenClaimMissing(claim="jti")

    sub = payload.get("sub")
    if sub is None:
        raise TokenClaimMissing(claim="sub")
    if sub != identity.national_id:
        raise SubjectMismatch(sub=str(sub), certificate_id=identity.national_id)

    profession = payload.get("profession")
    if identity.profession is not None and profession is None:
        raise TokenClaimMissing(claim="profession")
    if profession is not None and profession != identity.profession:
        raise ProfessionMismatch(profession=str(profession), certified=identity.profession or "—")

    mode = _mode(payload, identity.kind)
    reason = _text(payload, "reason", MAX_REASON_LENGTH)
    if mode is AccessMode.BREAK_GLASS and reason is None:
        raise BreakGlassReasonMissing()

    consent = payload.get("consent", False)
    if not isinstance(consent, bool):
        raise TokenClaimInvalid(claim="consent", detail="true ou false attendu")

    return Claims(
        actor_kind=ACTOR_KIND_OF[identity.kind],
        jti=jti,
        issued_at=issued_at,
        expires_at=expires_at,
        mode=mode,
        reason=reason,
        consent=consent,
        specialty=_text(payload, "specialty", MAX_CODE_LENGTH),
        structure=_text(payload, "structure", MAX_CODE_LENGTH),
    )


def _mode(payload: dict[str, Any], kind: CertificateKind) -> AccessMode:
    raw = payload.get("mode")
    if raw is None:
        return DEFAULT_MODE[kind]
    try:
        mode = AccessMode(raw)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in AccessMode)
        raise TokenClaimInvalid(claim="mode", detail=f"une valeur parmi {allowed}") from exc
    if mode is AccessMode.REGULATION and kind is not CertificateKind.REGULATOR:
        raise RegulationCertificateRequired()
    if mode not in ALLOWED_MODES[kind]:
        raise ModeNotAllowed(mode=mode.value, certificate_kind=kind.value)
    return mode
