"""Builders of signed assertions for the auth tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dmp.auth.pki import IssuedCertificate
from dmp.auth.profiles import identity_of
from dmp.auth.tokens import build_claims, sign_claims

# The same instant as the shared ``clock`` fixture.
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
AUDIENCE = "https://dmp.example.fr"
DROP = object()  # an override that removes the claim


def claims_for(
    issued: IssuedCertificate,
    *,
    at: datetime = NOW,
    lifetime: timedelta = timedelta(minutes=5),
    **overrides: Any,
) -> dict[str, Any]:
    """Valid claims for the certificate's holder, then ``overrides`` (``DROP`` removes)."""
    identity = identity_of(issued.certificate)
    claims = build_claims(
        subject=identity.national_id,
        audience=AUDIENCE,
        issued_at=at,
        lifetime=lifetime,
        profession=identity.profession,
    )
    for name, value in overrides.items():
        if value is DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def sign(
    issued: IssuedCertificate,
    *,
    at: datetime = NOW,
    headers: dict[str, Any] | None = None,
    **overrides: Any,
) -> str:
    return sign_claims(
        claims_for(issued, at=at, **overrides),
        private_key=issued.private_key,
        chain=issued.chain,
        headers=headers,
    )
