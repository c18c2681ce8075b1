"""One test PKI for the whole session: key generation (RSA above all) is the slow part."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from dmp.auth.pki import IssuedCertificate, KeyType, LocalPki
from dmp.auth.profiles import FeedSource
from dmp.auth.tokens import TokenVerifier
from dmp.config import Settings
from dmp.crypto.passwords import _HASHER as PRODUCTION_HASHER
from dmp.kit.clock import FrozenClock
from dmp.notifications.sink import MailSink
from tests.auth.builders import AUDIENCE, NOW
from tests.auth.people import Mailbox, free_port


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


# --- People's logins (patients, professionals, agents) -------------------------------


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the production cost takes ~0.1 s per hash: tests of the login flows
    use the same algorithm with minimal parameters. Tests about timing ask for
    ``production_hashing`` instead."""
    from argon2 import PasswordHasher

    from dmp.crypto import passwords

    monkeypatch.setattr(
        passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def production_hashing(fast_hashing: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from dmp.crypto import passwords

    monkeypatch.setattr(passwords, "_HASHER", PRODUCTION_HASHER)


@pytest.fixture(scope="session")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free port, writing the messages it receives."""
    port = free_port()
    sink = MailSink(tmp_path_factory.mktemp("mail"), port=port)
    sink.start()
    yield Mailbox(sink, port)
    sink.stop()


@pytest.fixture
def settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={"smtp_port": mailbox.port})
