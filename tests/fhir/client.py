"""fhirpy, an independent FHIR client, signing a fresh CPS assertion for every request
(as professionals' software must: a jti is never accepted twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fhirpy import AsyncFHIRClient

from dmp.auth.pki import IssuedCertificate
from dmp.auth.profiles import identity_of
from dmp.auth.tokens import build_claims, sign_claims


def sign_for(issued: IssuedCertificate, audience: str, **claims: Any) -> str:
    identity = identity_of(issued.certificate)
    values = build_claims(
        subject=identity.national_id,
        audience=audience,
        issued_at=datetime.now(UTC),
        lifetime=timedelta(minutes=5),
        profession=identity.profession,
    )
    values.update({k: v for k, v in claims.items() if v is not None})
    return sign_claims(values, private_key=issued.private_key, chain=issued.chain)


class CpsFhirClient(AsyncFHIRClient):
    """An AsyncFHIRClient whose Authorization header is a new signed token each time."""

    def __init__(self, url: str, *, certificate: IssuedCertificate, audience: str, **claims: Any):
        super().__init__(url)
        self._certificate = certificate
        self._audience = audience
        self._claims = claims

    def _build_request_headers(self) -> dict[str, Any]:
        self.authorization = "Bearer " + sign_for(self._certificate, self._audience, **self._claims)
        return super()._build_request_headers()
