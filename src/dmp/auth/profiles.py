"""What a certificate says about its holder: the certificate profiles the service accepts.

A professional's CPS carries the national id in the subject ``serialNumber`` and the
profession code (TRE_G15) in ``title``. Regulation centres and feeds are told apart by a
marker in ``organizationalUnitName``: certificate issuers put the role in the subject,
so the role cannot be claimed by a token alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import NameOID

from dmp.reference import professions

REGULATION_CENTRE_UNIT = "SAMU-Centre15"


class FeedSource(StrEnum):
    ASSURANCE_MALADIE = "assurance_maladie"
    DOSSIER_PHARMACEUTIQUE = "dossier_pharmaceutique"


FEED_UNITS: dict[str, FeedSource] = {
    "FEED-AssuranceMaladie": FeedSource.ASSURANCE_MALADIE,
    "FEED-DossierPharmaceutique": FeedSource.DOSSIER_PHARMACEUTIQUE,
}
UNIT_OF_FEED: dict[FeedSource, str] = {source: unit for unit, source in FEED_UNITS.items()}


class CertificateKind(StrEnum):
    PROFESSIONAL = "professional"
    REGULATOR = "regulator"
    FEED = "feed"


@dataclass(frozen=True, slots=True)
class CertifiedIdentity:
    """The holder as the certificate authority vouches for it."""

    kind: CertificateKind
    national_id: str  # subject serialNumber: IdNat_PS, or the feed's identifier
    display_name: str
    profession: str | None  # None for feeds
    feed_source: FeedSource | None = None


class ProfileError(ValueError):
    """The certificate is well signed but does not follow an accepted profile."""


def _values(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(attr.value) for attr in name.get_attributes_for_oid(oid)]


def _single(name: x509.Name, oid: x509.ObjectIdentifier, label: str) -> str | None:
    values = [v.strip() for v in _values(name, oid) if v.strip()]
    if len(values) > 1:
        raise ProfileError(f"several {label} attributes in the subject")
    return values[0] if values else None


def identity_of(certificate: x509.Certificate) -> CertifiedIdentity:
    subject = certificate.subject
    national_id = _single(subject, NameOID.SERIAL_NUMBER, "serialNumber")
    if national_id is None:
        raise ProfileError("no serialNumber (national id) in the subject")
    display_name = _single(subject, NameOID.COMMON_NAME, "commonName") or national_id
    units = {v.strip() for v in _values(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)}
    feeds = [FEED_UNITS[unit] for unit in units if unit in FEED_UNITS]
    is_regulator = REGULATION_CENTRE_UNIT in units
    if len(feeds) > 1 or (feeds and is_regulator):
        raise ProfileError("the subject mixes several roles")
    if feeds:
        return CertifiedIdentity(
            kind=CertificateKind.FEED,
            national_id=national_id,
            display_name=display_name,
            profession=None,
            feed_source=feeds[0],
        )
    profession = _single(subject, NameOID.TITLE, "title")
    if profession is None:
        raise ProfileError("no title (profession code) in the subject")
    if profession not in professions():
        raise ProfileError(f"unknown profession code {profession!r}")
    return CertifiedIdentity(
        kind=CertificateKind.REGULATOR if is_regulator else CertificateKind.PROFESSIONAL,
        national_id=national_id,
        display_name=display_name,
        profession=profession,
    )
