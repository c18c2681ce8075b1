"""One test PKI for the whole session: key generation (RSA above all) is the slow part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from dmp.auth.pki import IssuedCertificate, KeyType, LocalPki
from dmp.auth.profiles import FeedSource
from dmp.auth.tokens import TokenVerifier
from dmp.kit.clock import FrozenClock
from tests.auth.builders import AUDIENCE, NOW


@dataclass(frozen=True)
class Certificates:
    pki: LocalPki
    directory: Path
    cps: IssuedCertificate  # EC P-256, médecin
    cps_rsa: IssuedCertificate  # RSA 2048, pharmacien
    regulator: IssuedCertificate
    feed: IssuedCertificate
    short_lived: IssuedCertificate  # valid one day
    expired: IssuedCertificate
    not_yet_valid: IssuedCertificate
    revoked: IssuedCertificate
    foreign: IssuedCertificate  # from a CA nobody trusts


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    pki = LocalPki.create(now=NOW - timedelta(days=30))
    revoked = pki.issue_cps(
        national_id="810000000042", profession="10", given_name="Rémi", family_name="Voqué",
        now=NOW - timedelta(days=10),
    )  # fmt: skip
    pki.revoke(revoked.certificate.serial_number, at=NOW - timedelta(days=1))
    directory = tmp_path_factory.mktemp("pki")
    pki.save(directory, now=NOW - timedelta(hours=1), crl_days=7)
    foreign = LocalPki.create(now=NOW - timedelta(days=30), name="Autre")
    return Certificates(
        pki=pki,
        directory=directory,
        cps=pki.issue_cps(
            national_id="810003461033", profession="10", given_name="Marie",
            family_name="Curie", now=NOW - timedelta(days=1),
        ),
        cps_rsa=pki.issue_cps(
            national_id="810001234567", profession="21", given_name="Paul",
            family_name="Pharma", now=NOW - timedelta(days=1), key_type=KeyType.RSA,
        ),
        regulator=pki.issue_regulator(
            national_id="810009999991", profession="10", given_name="Régis",
            family_name="Régulateur", now=NOW - timedelta(days=1),
        ),
        feed=pki.issue_feed(
            source=FeedSource.ASSURANCE_MALADIE, identifier="318751275100020",
            name="Assurance Maladie", now=NOW - timedelta(days=1),
        ),
        short_lived=pki.issue_cps(
            national_id="810000000017", profession="60", given_name="Inès",
            family_name="Firmière", now=NOW, days=1,
        ),
        expired=pki.issue_cps(
            national_id="810000000025", profession="10", given_name="Ex",
            family_name="Piré", now=NOW - timedelta(days=20), days=10,
        ),
        not_yet_valid=pki.issue_cps(
            national_id="810000000033", profession="10", given_name="Fu",
            family_name="Tur", now=NOW + timedelta(days=2),
        ),
        revoked=revoked,
        foreign=foreign.issue_cps(
            national_id="810003461033", profession="10", given_name="Marie",
            family_name="Curie", now=NOW - timedelta(days=1),
        ),
    )  # fmt: skip


@pytest.fixture
def verifier(certificates: Certificates, clock: FrozenClock) -> TokenVerifier:
    return TokenVerifier.from_files(
        ca_bundle=certificates.directory / "ca-bundle.pem",
        crl_file=certificates.directory / "crl.pem",
        audience=AUDIENCE,
        clock=clock,
    )
