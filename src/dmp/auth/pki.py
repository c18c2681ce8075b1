"""A local test PKI shaped like IGC-Santé: a root, an issuing CA, CPS / regulator / feed
certificates and a CRL, kept as PEM files under a directory (``var/pki`` by default).

For development, demos and tests only: the keys are written unencrypted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dmp.auth.chain import pem_blocks
from dmp.auth.profiles import REGULATION_CENTRE_UNIT, UNIT_OF_FEED, FeedSource

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key"
ISSUING_CERT = "issuing-ca.pem"
ISSUING_KEY = "issuing-ca.key"
BUNDLE = "ca-bundle.pem"  # what DMP_PKI_CA_BUNDLE points at
CRL = "crl.pem"  # what DMP_PKI_CRL_FILE points at


class KeyType(StrEnum):
    EC = "ec"  # P-256, signs ES256
    RSA = "rsa"  # 2048 bits, signs PS256


def generate_key(key_type: KeyType = KeyType.EC) -> PrivateKey:
    if key_type is KeyType.RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def certificates_pem(certificates: tuple[x509.Certificate, ...] | list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def load_private_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{path}: only EC and RSA keys are supported")
    return key


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    certificate: x509.Certificate
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...]  # the leaf first, then issuing CAs; no root

    def chain_pem(self) -> bytes:
        return certificates_pem(self.chain)

    def key_pem(self) -> bytes:
        return key_pem(self.private_key)


class CertificateAuthority:
    """A key and certificate that sign others. ``issuer`` is None for a root."""

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: PrivateKey,
        issuer: CertificateAuthority | None = None,
    ) -> None:
        self.certificate = certificate
        self.private_key = private_key
        self.issuer = issuer

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """This CA and the CAs above it, the root excluded (clients send no root)."""
        if self.issuer is None:
            return ()
        return (self.certificate, *self.issuer.chain)

    @classmethod
    def create_root(
        cls, common_name: str, *, now: datetime, days: int = 3650, key: PrivateKey | None = None
    ) -> CertificateAuthority:
        key = key or generate_key()
        name = _ca_name(common_name)
        builder = _builder(name, name, key, now, days)
        builder = _ca_extensions(builder, path_length=1)
        return cls(builder.sign(key, hashes.SHA256()), key)

    def create_subordinate(
        self, common_name: str, *, now: datetime, days: int = 1825, ca: bool = True
    ) -> CertificateAuthority:
        """``ca=False`` makes a forged "intermediate" that verifiers must refuse."""
        key = generate_key()
        builder = _builder(_ca_name(common_name), self.certificate.subject, key, now, days)
        builder = self._authority_key_id(builder)
        builder = _ca_extensions(builder, path_length=0) if ca else _leaf_extensions(builder)
        return CertificateAuthority(builder.sign(self.private_key, hashes.SHA256()), key, self)

    def issue(
        self, subject: x509.Name, *, now: datetime, days: int, key_type: KeyType = KeyType.EC
    ) -> IssuedCertificate:
        key = generate_key(key_type)
        builder = _builder(subject, self.certificate.subject, key, now, days)
        builder = _leaf_extensions(self._authority_key_id(builder))
        certificate = builder.sign(self.private_key, hashes.SHA256())
        return IssuedCertificate(certificate, key, (certificate, *self.chain))

    def crl(
        self, revoked: dict[int, datetime], *, now: datetime, days: int
    ) -> x509.CertificateRevocationList:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now)
            .next_update(now + timedelta(days=days))
            # A growing CRL number lets relying parties tell the newest list apart.
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        )
        for serial, at in sorted(revoked.items()):
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at)
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(self.private_key, hashes.SHA256())

    def _authority_key_id(self, builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        return builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()),
            critical=False,
        )


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OpenDMP PKI de test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, key: PrivateKey, now: datetime, days: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate a workstation a bit behind
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _ca_extensions(
    builder: x509.CertificateBuilder, *, path_length: int
) -> x509.CertificateBuilder:
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    return builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=path_length), critical=True
    ).add_extension(usage, critical=True)


def _leaf_extensions(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    return (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )


def professional_subject(
    *,
    national_id: str,
    profession: str,
    given_name: str,
    family_name: str,
    organization: str | None = None,
    unit: str | None = None,
) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, national_id),
        x509.NameAttribute(NameOID.TITLE, profession),
        x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
        x509.NameAttribute(NameOID.SURNAME, family_name),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {family_name}"),
    ]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name(attributes)


def feed_subject(*, source: FeedSource, identifier: str, name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, identifier),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, UNIT_OF_FEED[source]),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )


class LocalPki:
    """Root + issuing CA + the list of revoked serials, as files under one directory."""

    def __init__(
        self,
        root: CertificateAuthority,
        issuing: CertificateAuthority,
        revoked: dict[int, datetime],
    ) -> None:
        self.root = root
        self.issuing = issuing
        self.revoked = revoked

    @classmethod
    def create(cls, *, now: datetime, name: str = "OpenDMP Test") -> LocalPki:
        root = CertificateAuthority.create_root(f"{name} AC Racine", now=now)
        issuing = root.create_subordinate(f"{name} AC Professionnels", now=now)
        return cls(root, issuing, {})

    def issue_cps(
        self,
        *,
        national_id: str,
        profession: str,
        given_name: str,
        family_name: str,
        organization: str | None = None,
        now: datetime,
        days: int = 3 * 365,
        key_type: KeyType = KeyType.EC,
    ) -> IssuedCertificate:
        subject = professional_subject(
            national_id=national_id, profession=profession, given_name=given_name,
            family_name=family_name, organization=organization,
        )  # fmt: skip
        return self.issuing.issue(subject, now=now, days=days, key_type=key_type)

    def issue_regulator(
        self,
        *,
        national_id: str,
        profession: str,
        given_name: str,
        family_name: str,
        organization: str = "SAMU Centre 15",
        now: datetime,
        days: int = 3 * 365,
        key_type: KeyType = KeyType.EC,
    ) -> IssuedCertificate:
        subject = professional_subject(
            national_id=national_id, profession=profession, given_name=given_name,
            family_name=family_name, organization=organization, unit=REGULATION_CENTRE_UNIT,
        )  # fmt: skip
        return self.issuing.issue(subject, now=now, days=days, key_type=key_type)

    def issue_feed(
        self,
        *,
        source: FeedSource,
        identifier: str,
        name: str,
        now: datetime,
        days: int = 3 * 365,
        key_type: KeyType = KeyType.EC,
    ) -> IssuedCertificate:
        subject = feed_subject(source=source, identifier=identifier, name=name)
        return self.issuing.issue(subject, now=now, days=days, key_type=key_type)

    def revoke(self, serial: int, *, at: datetime) -> None:
        self.revoked.setdefault(serial, at)

    def bundle_pem(self) -> bytes:
        return certificates_pem([self.root.certificate])

    def crl_pem(self, *, now: datetime, days: int = 365) -> bytes:
        """One CRL per CA, concatenated: the verifier matches them by issuer name."""
        crls = [
            self.issuing.crl(self.revoked, now=now, days=days),
            self.root.crl({}, now=now, days=days),
        ]
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in crls)

    # -- files ---------------------------------------------------------------------------

    def save(self, directory: Path, *, now: datetime, crl_days: int = 365) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        _write(directory / ROOT_CERT, certificates_pem([self.root.certificate]))
        _write(directory / ROOT_KEY, key_pem(self.root.private_key), secret=True)
        _write(directory / ISSUING_CERT, certificates_pem([self.issuing.certificate]))
        _write(directory / ISSUING_KEY, key_pem(self.issuing.private_key), secret=True)
        _write(directory / BUNDLE, self.bundle_pem())
        self.save_crl(directory, now=now, days=crl_days)

    def save_crl(self, directory: Path, *, now: datetime, days: int = 365) -> None:
        # Written aside then renamed: a verifier reloading meanwhile never reads half a file.
        partial = directory / f"{CRL}.partial"
        _write(partial, self.crl_pem(now=now, days=days))
        partial.replace(directory / CRL)

    @classmethod
    def load(cls, directory: Path) -> LocalPki:
        root = CertificateAuthority(
            x509.load_pem_x509_certificate((directory / ROOT_CERT).read_bytes()),
            load_private_key(directory / ROOT_KEY),
        )
        issuing = CertificateAuthority(
            x509.load_pem_x509_certificate((directory / ISSUING_CERT).read_bytes()),
            load_private_key(directory / ISSUING_KEY),
            root,
        )
        revoked: dict[int, datetime] = {}
        crl_path = directory / CRL
        if crl_path.exists():
            # The CRL file is the record of revocations: nothing else to keep in sync.
            for block in pem_blocks(crl_path.read_bytes(), b"X509 CRL"):
                crl = x509.load_pem_x509_crl(block)
                if crl.issuer == issuing.certificate.subject:
                    for entry in crl:
                        revoked[entry.serial_number] = entry.revocation_date_utc
        return cls(root, issuing, revoked)

    @staticmethod
    def write_issued(directory: Path, stem: str, issued: IssuedCertificate) -> tuple[Path, Path]:
        """``<stem>.pem`` holds the leaf then its issuing CA, ready for the x5c header."""
        directory.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        _write(cert_path, issued.chain_pem())
        _write(key_path, issued.key_pem(), secret=True)
        return cert_path, key_path


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    # Keys are created 0600 from the start rather than chmod-ed after being readable.
    mode = 0o600 if secret else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    if secret:
        os.chmod(path, mode)  # an existing file keeps its old mode through O_CREAT
