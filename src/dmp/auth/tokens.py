"""CPS-signed assertions: signing one (tests, curl) and verifying one into an ``Actor``.

An API request carries ``Authorization: Bearer <JWS>`` signed with the key of the
caller's certificate, the chain in the ``x5c`` header. ``TokenVerifier`` checks the chain
against the CA bundle and the CRL, the signature, the claims against the injected clock
and the certificate, and spends the ``jti`` in the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.chain import CrlStore, TrustStore, VerifiedChain, verify_chain
from dmp.auth.claims import read_claims
from dmp.auth.errors import (
    AlgorithmRefused,
    CertificateChainMissing,
    CertificateMalformed,
    TokenMissing,
)
from dmp.auth.jws import ACCEPTED_ALGORITHMS, parse_compact
from dmp.auth.pki import BUNDLE, CRL, PrivateKey
from dmp.auth.profiles import CertificateKind, FeedSource
from dmp.auth.replay import spend_jti
from dmp.config import Settings
from dmp.kit.clock import Clock
from dmp.policy.model import AccessMode, Actor

DEFAULT_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ProfessionalCredential:
    """A verified assertion: who acts (``actor``) and what they declare."""

    actor: Actor
    consent: bool  # the professional declares the patient's consent
    jti: str
    issued_at: datetime
    expires_at: datetime
    certificate_kind: CertificateKind
    certificate_subject: str  # the certificate's serialNumber, which ``sub`` repeats
    certificate_fingerprint: str  # sha256 of the leaf certificate's DER, hex
    certificate_serial: int
    feed_source: FeedSource | None = None

    @property
    def replay_key(self) -> str:
        return replay_key(self.certificate_subject, self.jti)


def replay_key(subject: str, jti: str) -> str:
    return hashlib.sha256(f"{subject}\x00{jti}".encode()).hexdigest()


def parse_authorization(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, for the HTTP layer."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenMissing()
    return token.strip()


class _ChainCache:
    """Verified chains by leaf fingerprint, least recently used evicted first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, VerifiedChain] = OrderedDict()

    def get(self, fingerprint: str) -> VerifiedChain | None:
        chain = self._entries.get(fingerprint)
        if chain is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(fingerprint)
        return chain

    def put(self, chain: VerifiedChain) -> None:
        self._entries[chain.fingerprint] = chain
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class TokenVerifier:
    """Verifies assertions. One per process: it holds the trust store, the CRL and the
    cache of verified chains (safe to share between requests of one event loop)."""

    def __init__(
        self,
        *,
        trust: TrustStore,
        audience: str,
        clock: Clock,
        crl: CrlStore | None = None,
        leeway: timedelta = timedelta(seconds=30),
        max_lifetime: timedelta = DEFAULT_LIFETIME,
        cache_size: int = 10_000,
    ) -> None:
        self.trust = trust
        self.audience = audience.rstrip("/")
        self.clock = clock
        self.crl = crl or CrlStore(None)
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.cache = _ChainCache(cache_size)

    @classmethod
    def from_files(
        cls, *, ca_bundle: Path, crl_file: Path | None, audience: str, clock: Clock
    ) -> TokenVerifier:
        return cls(
            trust=TrustStore.from_pem_file(ca_bundle),
            crl=CrlStore(crl_file),
            audience=audience,
            clock=clock,
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock) -> TokenVerifier:
        """Production must name both files; elsewhere ``dmp pki init``'s files are used."""
        bundle, crl = settings.pki_ca_bundle, settings.pki_crl_file
        if settings.environment == "production" and (bundle is None or crl is None):
            raise RuntimeError("DMP_PKI_CA_BUNDLE and DMP_PKI_CRL_FILE are required in production")
        local = settings.var_dir / "pki"
        if bundle is None:
            bundle = local / BUNDLE
            if crl is None and (local / CRL).exists():
                crl = local / CRL
        return cls.from_files(
            ca_bundle=bundle, crl_file=crl, audience=settings.public_base_url, clock=clock
        )

    async def verify(self, token: str, *, session: AsyncSession) -> ProfessionalCredential:
        """Every check, then spends the jti in ``session``'s transaction."""
        credential = self.check(token)
        await self.spend(credential, session=session)
        return credential

    async def spend(self, credential: ProfessionalCredential, *, session: AsyncSession) -> None:
        """The replay guard alone: records the jti, ``TokenReplayed`` if already spent."""
        await spend_jti(
            session,
            key=credential.replay_key,
            expires_at=credential.expires_at + self.leeway,
        )

    def check(self, token: str) -> ProfessionalCredential:
        """Every check but the replay guard (no database): chain, signature, claims."""
        now = self.clock.now()
        jws = parse_compact(token)
        header = jws.header
        alg = header.get("alg")
        if alg not in ACCEPTED_ALGORITHMS:
            raise AlgorithmRefused(alg=str(alg))
        chain = self._chain(header)
        chain.check_validity(now)
        self.crl.check(chain, now)
        if alg != chain.algorithm:
            # ES256 needs an EC P-256 key and PS256 an RSA key: no confusion between them.
            raise AlgorithmRefused(alg=str(alg))
        jws.verify(chain.algorithm, chain.public_key)
        claims = read_claims(
            jws.claims(),
            identity=chain.identity,
            audience=self.audience,
            now=now,
            leeway=self.leeway,
            max_lifetime=self.max_lifetime,
        )
        identity = chain.identity
        actor = Actor(
            kind=claims.actor_kind,
            # A feed acts as its source, whatever machine's certificate carries it.
            id=identity.feed_source.value if identity.feed_source else identity.national_id,
            display_name=identity.display_name,
            profession=identity.profession,
            specialty=claims.specialty,
            structure=claims.structure,
            mode=claims.mode,
            break_glass_reason=claims.reason if claims.mode is AccessMode.BREAK_GLASS else None,
        )
        return ProfessionalCredential(
            actor=actor,
            consent=claims.consent,
            jti=claims.jti,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
            certificate_kind=identity.kind,
            certificate_subject=identity.national_id,
            certificate_fingerprint=chain.fingerprint,
            certificate_serial=chain.serial,
            feed_source=identity.feed_source,
        )

    def _chain(self, header: Mapping[str, Any]) -> VerifiedChain:
        x5c = header.get("x5c")
        if x5c is None or x5c == []:
            raise CertificateChainMissing()
        if not isinstance(x5c, list) or not all(isinstance(item, str) for item in x5c):
            raise CertificateMalformed(detail="x5c doit être une liste de certificats base64")
        try:
            # x5c is standard base64 (RFC 7515 §4.1.6), not the URL-safe alphabet.
            leaf = base64.b64decode(x5c[0], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CertificateMalformed(detail="x5c[0] n'est pas du base64") from exc
        fingerprint = hashlib.sha256(leaf).hexdigest()
        cached = self.cache.get(fingerprint)
        if cached is not None:
            return cached
        try:
            rest = [base64.b64decode(item, validate=True) for item in x5c[1:]]
        except (binascii.Error, ValueError) as exc:
            raise CertificateMalformed(detail="x5c n'est pas du base64") from exc
        chain = verify_chain([leaf, *rest], self.trust)
        self.cache.put(chain)
        return chain


# -- signing: the professional's side, for tests, demos and curl ------------------------


def algorithm_for(private_key: PrivateKey) -> str:
    return "PS256" if isinstance(private_key, rsa.RSAPrivateKey) else "ES256"


def x5c_of(chain: Sequence[x509.Certificate]) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]


def build_claims(
    *,
    subject: str,
    audience: str,
    issued_at: datetime,
    profession: str | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
    mode: AccessMode = AccessMode.NORMAL,
    reason: str | None = None,
    consent: bool = False,
    specialty: str | None = None,
    structure: str | None = None,
    jti: str | None = None,
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": subject,
        "aud": audience,
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + lifetime).timestamp()),
        "jti": jti or str(uuid.uuid4()),
        "mode": mode.value,
        "consent": consent,
    }
    optional = {
        "profession": profession,
        "reason": reason,
        "specialty": specialty,
        "structure": structure,
    }
    claims.update({name: value for name, value in optional.items() if value is not None})
    return claims


def sign_claims(
    claims: Mapping[str, Any],
    *,
    private_key: PrivateKey,
    chain: Sequence[x509.Certificate],
    algorithm: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """``chain`` is the leaf first, then its issuing CAs (the root may be left out)."""
    header = {"x5c": x5c_of(chain), **(headers or {})}
    return jwt.encode(
        dict(claims), private_key, algorithm=algorithm or algorithm_for(private_key), headers=header
    )
