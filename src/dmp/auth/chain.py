"""X.509 path checks for the x5c chain of an assertion, and the CRL file.

The expensive part (parsing, chain signatures, profile) runs once per leaf certificate and
its result is cached by the caller; what depends on time or on the CRL (validity windows,
revocation) is kept as plain values so that it can be re-checked on every request for the
price of a few comparisons and one ``stat`` of the CRL file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes

from dmp.auth.errors import (
    CertificateChainInvalid,
    CertificateExpired,
    CertificateMalformed,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUnusable,
    RevocationStatusUnknown,
    UnknownCertificateAuthority,
)
from dmp.auth.profiles import CertifiedIdentity, ProfileError, identity_of

MAX_CHAIN_LENGTH = 5  # leaf + intermediates; IGC-Santé paths are three long with the root
MIN_RSA_BITS = 2048

SigningKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
_SHA256 = hashes.SHA256()


def _spki_digest(certificate: x509.Certificate) -> bytes:
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


@dataclass(frozen=True, slots=True)
class ValidityWindow:
    subject: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class RevocationCheck:
    """One certificate of the path to look up in its issuer's CRL."""

    serial: int
    issuer_name: bytes  # DER of the issuer's Name: CRLs are matched on it
    issuer_key_digest: bytes
    issuer_key: CertificateIssuerPublicKeyTypes


@dataclass(frozen=True, slots=True)
class VerifiedChain:
    fingerprint: str  # sha256 of the leaf's DER, hex
    public_key: SigningKey
    algorithm: str  # the only JWS algorithm this key may sign with
    identity: CertifiedIdentity
    serial: int
    windows: tuple[ValidityWindow, ...]  # every certificate of the path, anchor included
    revocation: tuple[RevocationCheck, ...]  # every certificate but the anchor

    def check_validity(self, now: datetime) -> None:
        for window in self.windows:
            if now < window.not_before:
                raise CertificateNotYetValid(
                    subject=window.subject, not_before=window.not_before.isoformat()
                )
            if now > window.not_after:
                raise CertificateExpired(
                    subject=window.subject, not_after=window.not_after.isoformat()
                )


class TrustStore:
    """The trust anchors (the CA bundle): any certificate in it ends a path."""

    def __init__(self, anchors: list[x509.Certificate]) -> None:
        if not anchors:
            raise ValueError("the CA bundle holds no certificate")
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        self._fingerprints: set[bytes] = set()
        for anchor in anchors:
            self._by_subject.setdefault(anchor.subject.public_bytes(), []).append(anchor)
            self._fingerprints.add(anchor.fingerprint(_SHA256))

    @classmethod
    def from_pem_file(cls, path: Path) -> TrustStore:
        return cls(x509.load_pem_x509_certificates(path.read_bytes()))

    def is_anchor(self, certificate: x509.Certificate) -> bool:
        return certificate.fingerprint(_SHA256) in self._fingerprints

    def issuers_of(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        return self._by_subject.get(certificate.issuer.public_bytes(), [])


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _describe(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def _extension(certificate: x509.Certificate, kind: type[x509.ExtensionType]) -> object | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:  # duplicated or unparsable extension
        raise CertificateMalformed(detail=str(exc)) from exc


def _check_leaf(leaf: x509.Certificate) -> tuple[SigningKey, str]:
    constraints = _extension(leaf, x509.BasicConstraints)
    if isinstance(constraints, x509.BasicConstraints) and constraints.ca:
        raise CertificateUnusable(detail="certificat d'autorité, pas de porteur")
    usage = _extension(leaf, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.digital_signature:
        raise CertificateUnusable(detail="la clé n'est pas autorisée à signer (keyUsage)")
    key = leaf.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key, "ES256"
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        return key, "PS256"
    raise CertificateUnusable(detail="clé ni EC P-256 ni RSA 2048 bits ou plus")


def _check_intermediate(certificate: x509.Certificate, below: int) -> None:
    """``below`` counts the CA certificates between this one and the leaf."""
    constraints = _extension(certificate, x509.BasicConstraints)
    if not (isinstance(constraints, x509.BasicConstraints) and constraints.ca):
        raise CertificateChainInvalid(detail=f"{_describe(certificate)} n'est pas une autorité")
    if constraints.path_length is not None and below > constraints.path_length:
        raise CertificateChainInvalid(detail=f"chaîne trop longue sous {_describe(certificate)}")
    usage = _extension(certificate, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
        raise CertificateChainInvalid(
            detail=f"{_describe(certificate)} n'est pas autorisé à signer des certificats"
        )


def verify_chain(ders: list[bytes], trust: TrustStore) -> VerifiedChain:
    """Time-independent checks: parse, profile, signatures up to an anchor, CA flags."""
    if not ders or len(ders) > MAX_CHAIN_LENGTH:
        raise CertificateMalformed(detail=f"de 1 à {MAX_CHAIN_LENGTH} certificats attendus")
    try:
        certificates = [x509.load_der_x509_certificate(der) for der in ders]
    except ValueError as exc:
        raise CertificateMalformed(detail=str(exc)) from exc
    leaf, pool = certificates[0], certificates[1:]
    public_key, algorithm = _check_leaf(leaf)
    try:
        identity = identity_of(leaf)
    except ProfileError as exc:
        raise CertificateUnusable(detail=str(exc)) from exc

    path = [leaf]
    revocation: list[RevocationCheck] = []
    current = leaf
    while not trust.is_anchor(current):
        if len(path) > MAX_CHAIN_LENGTH:
            raise CertificateChainInvalid(detail="chaîne trop longue")
        anchors = trust.issuers_of(current)
        pooled = [c for c in pool if c.subject == current.issuer and c not in path]
        issuer = next((c for c in [*anchors, *pooled] if _issued_by(current, c)), None)
        if issuer is None:
            if not anchors and not pooled:
                raise UnknownCertificateAuthority(issuer=current.issuer.rfc4514_string())
            raise CertificateChainInvalid(
                detail=f"signature de {_describe(current)} invalide pour son émetteur"
            )
        if not trust.is_anchor(issuer):
            _check_intermediate(issuer, below=len(path) - 1)
        revocation.append(
            RevocationCheck(
                serial=current.serial_number,
                issuer_name=issuer.subject.public_bytes(),
                issuer_key_digest=_spki_digest(issuer),
                issuer_key=_issuer_key(issuer),
            )
        )
        path.append(issuer)
        current = issuer

    windows = tuple(
        ValidityWindow(_describe(c), c.not_valid_before_utc, c.not_valid_after_utc) for c in path
    )
    return VerifiedChain(
        fingerprint=hashlib.sha256(ders[0]).hexdigest(),
        public_key=public_key,
        algorithm=algorithm,
        identity=identity,
        serial=leaf.serial_number,
        windows=windows,
        revocation=tuple(revocation),
    )


def _issuer_key(issuer: x509.Certificate) -> CertificateIssuerPublicKeyTypes:
    key = issuer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise CertificateChainInvalid(detail=f"type de clé non géré pour {_describe(issuer)}")
    return key


@dataclass(slots=True)
class _Crl:
    crl: x509.CertificateRevocationList
    revoked: dict[int, datetime]
    next_update: datetime | None
    verified_for: set[bytes] = field(default_factory=set)  # issuer key digests


class CrlStore:
    """The CRL file (PEM, one CRL per CA, or a single DER CRL), reloaded when it changes.

    With no file configured revocation is not checked (development); a configured file
    that is missing, unreadable, outdated or lacks a CA's list refuses the certificate:
    an unknown revocation status must not pass for "not revoked".
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._by_issuer: dict[bytes, _Crl] = {}
        self._error: str | None = None

    def _refresh(self) -> None:
        assert self.path is not None
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            self._stamp, self._by_issuer, self._error = (
                None,
                {},
                f"liste illisible ({exc.strerror})",
            )
            return
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._by_issuer, self._error = _parse_crls(self.path.read_bytes()), None
        except (OSError, ValueError) as exc:
            self._by_issuer, self._error = {}, f"liste illisible ({exc})"

    def check(self, chain: VerifiedChain, now: datetime) -> None:
        if self.path is None:
            return
        self._refresh()
        if self._error is not None:
            raise RevocationStatusUnknown(detail=self._error)
        for item in chain.revocation:
            entry = self._by_issuer.get(item.issuer_name)
            if entry is None:
                raise RevocationStatusUnknown(detail="aucune liste de révocation pour l'émetteur")
            if item.issuer_key_digest not in entry.verified_for:
                if not entry.crl.is_signature_valid(item.issuer_key):
                    raise RevocationStatusUnknown(
                        detail="signature de la liste de révocation invalide"
                    )
                entry.verified_for.add(item.issuer_key_digest)
            if entry.next_update is not None and now > entry.next_update:
                raise RevocationStatusUnknown(
                    detail=f"liste de révocation périmée depuis le {entry.next_update.isoformat()}"
                )
            revoked_at = entry.revoked.get(item.serial)
            if revoked_at is not None:
                raise CertificateRevoked(
                    serial=f"{item.serial:x}", revoked_at=revoked_at.isoformat()
                )


def pem_blocks(data: bytes, label: bytes) -> list[bytes]:
    """The PEM blocks of one label in a file holding several (cryptography loads one)."""
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    blocks, position = [], 0
    while (start := data.find(begin, position)) != -1:
        stop = data.find(end, start)
        if stop == -1:
            raise ValueError("bloc PEM non terminé")
        position = stop + len(end)
        blocks.append(data[start:position])
    return blocks


def _parse_crls(data: bytes) -> dict[bytes, _Crl]:
    if b"-----BEGIN" in data:
        crls = [x509.load_pem_x509_crl(block) for block in pem_blocks(data, b"X509 CRL")]
        if not crls:
            raise ValueError("aucune liste PEM « X509 CRL »")
    else:
        crls = [x509.load_der_x509_crl(data)]
    by_issuer: dict[bytes, _Crl] = {}
    for crl in crls:
        key = crl.issuer.public_bytes()
        known = by_issuer.get(key)
        # Two lists from one CA in the file: the most recent one speaks.
        if known is not None and known.crl.last_update_utc >= crl.last_update_utc:
            continue
        revoked = {entry.serial_number: entry.revocation_date_utc for entry in crl}
        by_issuer[key] = _Crl(crl, revoked, crl.next_update_utc)
    return by_issuer
