"""The certificate side of an assertion: chain, validity, revocation, and the cache."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from dmp.auth import errors
from dmp.auth.chain import CrlStore, TrustStore
from dmp.auth.pki import CertificateAuthority, IssuedCertificate, LocalPki, professional_subject
from dmp.auth.tokens import TokenVerifier, build_claims, sign_claims
from dmp.kit.clock import FrozenClock
from tests.auth.builders import AUDIENCE, NOW, claims_for, sign
from tests.auth.conftest import Certificates


def _refused(
    verifier: TokenVerifier, token: str, error: type[errors.AuthenticationRefused]
) -> None:
    with pytest.raises(error) as caught:
        verifier.check(token)
    assert caught.value.code == error.code


def _verifier(certificates: Certificates, clock: FrozenClock, crl: Path | None) -> TokenVerifier:
    return TokenVerifier(
        trust=TrustStore.from_pem_file(certificates.directory / "ca-bundle.pem"),
        crl=CrlStore(crl),
        audience=AUDIENCE,
        clock=clock,
    )


def _sign_as(issued: IssuedCertificate, subject: str, profession: str) -> str:
    claims = build_claims(subject=subject, audience=AUDIENCE, issued_at=NOW, profession=profession)
    return sign_claims(claims, private_key=issued.private_key, chain=issued.chain)


def test_unknown_ca(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.foreign), errors.UnknownCertificateAuthority)


def test_chain_missing_its_intermediate(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    token = sign_claims(
        claims_for(certificates.cps),
        private_key=certificates.cps.private_key,
        chain=[certificates.cps.certificate],
    )
    _refused(verifier, token, errors.UnknownCertificateAuthority)


def test_intermediate_that_is_not_a_ca(verifier: TokenVerifier, certificates: Certificates) -> None:
    # A holder's certificate used to sign another one must not make a valid chain.
    fake_ca = certificates.pki.issuing.create_subordinate("Pas une AC", now=NOW, ca=False)
    issued = fake_ca.issue(
        professional_subject(
            national_id="810000000050", profession="10", given_name="Faux", family_name="Fils"
        ),
        now=NOW,
        days=30,
    )
    _refused(verifier, sign(issued), errors.CertificateChainInvalid)


def test_forged_issuer_name(verifier: TokenVerifier, certificates: Certificates) -> None:
    # Same issuer name as the trusted issuing CA, another key: the signature gives it away.
    impostor = CertificateAuthority(
        certificates.pki.issuing.certificate,
        LocalPki.create(now=NOW).issuing.private_key,
        certificates.pki.root,
    )
    issued = impostor.issue(
        professional_subject(
            national_id="810003461033", profession="10", given_name="Marie", family_name="Curie"
        ),
        now=NOW,
        days=30,
    )
    _refused(verifier, sign(issued), errors.CertificateChainInvalid)


def test_expired_certificate(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.expired), errors.CertificateExpired)


def test_certificate_not_yet_valid(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.not_yet_valid), errors.CertificateNotYetValid)


def test_revoked_certificate(verifier: TokenVerifier, certificates: Certificates) -> None:
    with pytest.raises(errors.CertificateRevoked) as caught:
        verifier.check(sign(certificates.revoked))
    assert caught.value.fields["serial"] == f"{certificates.revoked.certificate.serial_number:x}"


def test_crl_outdated(
    verifier: TokenVerifier, certificates: Certificates, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=8))  # the fixture's CRL is good for 7 days
    token = sign(certificates.cps, at=clock.now())
    _refused(verifier, token, errors.RevocationStatusUnknown)


def test_crl_file_missing(certificates: Certificates, clock: FrozenClock, tmp_path: Path) -> None:
    verifier = _verifier(certificates, clock, tmp_path / "absent.pem")
    _refused(verifier, sign(certificates.cps), errors.RevocationStatusUnknown)


def test_crl_not_signed_by_the_issuer(
    certificates: Certificates, clock: FrozenClock, tmp_path: Path
) -> None:
    impostor = CertificateAuthority(
        certificates.pki.issuing.certificate, LocalPki.create(now=NOW).issuing.private_key
    )
    forged = LocalPki(certificates.pki.root, impostor, {})
    (tmp_path / "crl.pem").write_bytes(forged.crl_pem(now=NOW))
    verifier = _verifier(certificates, clock, tmp_path / "crl.pem")
    _refused(verifier, sign(certificates.cps), errors.RevocationStatusUnknown)


def test_without_crl_revocation_is_not_checked(
    certificates: Certificates, clock: FrozenClock
) -> None:
    verifier = _verifier(certificates, clock, None)
    assert verifier.check(sign(certificates.revoked)).actor.id == "810000000042"


def test_cached_chain_is_cheap_and_still_checked_for_dates(
    verifier: TokenVerifier, certificates: Certificates, clock: FrozenClock
) -> None:
    verifier.check(sign(certificates.short_lived))
    verifier.check(sign(certificates.short_lived))
    assert (verifier.cache.misses, verifier.cache.hits, len(verifier.cache)) == (1, 1, 1)

    clock.advance(timedelta(days=2))  # the certificate was valid one day
    _refused(verifier, sign(certificates.short_lived, at=clock.now()), errors.CertificateExpired)
    assert verifier.cache.hits == 2


def test_cached_chain_sees_a_new_revocation(
    certificates: Certificates, clock: FrozenClock, tmp_path: Path
) -> None:
    pki = LocalPki(certificates.pki.root, certificates.pki.issuing, dict(certificates.pki.revoked))
    pki.save_crl(tmp_path, now=NOW)
    verifier = _verifier(certificates, clock, tmp_path / "crl.pem")
    verifier.check(sign(certificates.cps))

    pki.revoke(certificates.cps.certificate.serial_number, at=NOW)
    pki.save_crl(tmp_path, now=NOW + timedelta(seconds=1))
    # Some filesystems keep mtimes in whole seconds: make the change visible regardless.
    stamp = (tmp_path / "crl.pem").stat().st_mtime_ns + 2_000_000_000
    os.utime(tmp_path / "crl.pem", ns=(stamp, stamp))

    _refused(verifier, sign(certificates.cps), errors.CertificateRevoked)
    assert verifier.cache.hits == 1


def test_cache_is_bounded(certificates: Certificates, clock: FrozenClock) -> None:
    verifier = _verifier(certificates, clock, None)
    verifier.cache.size = 2
    verifier.check(sign(certificates.cps))
    verifier.check(sign(certificates.regulator, mode="regulation"))
    verifier.check(sign(certificates.feed))
    assert len(verifier.cache) == 2
    verifier.check(sign(certificates.cps))  # evicted first, verified again
    assert verifier.cache.misses == 4


def test_certificate_without_national_id(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sans identifiant")])
    issued = certificates.pki.issuing.issue(subject, now=NOW, days=30)
    _refused(verifier, _sign_as(issued, "810000000076", "10"), errors.CertificateUnusable)


def test_certificate_with_unknown_profession(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    subject = professional_subject(
        national_id="810000000068", profession="99999", given_name="A", family_name="B"
    )
    issued = certificates.pki.issuing.issue(subject, now=NOW, days=30)
    _refused(verifier, _sign_as(issued, "810000000068", "99999"), errors.CertificateUnusable)
