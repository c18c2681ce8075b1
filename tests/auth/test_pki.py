"""The local test PKI and the ``dmp pki`` / ``dmp token`` commands."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from cryptography import x509
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from dmp.auth.cli import pki_app, token
from dmp.auth.errors import CertificateRevoked
from dmp.auth.pki import LocalPki
from dmp.auth.profiles import CertificateKind, FeedSource, identity_of
from dmp.auth.tokens import TokenVerifier
from dmp.kit.clock import FrozenClock
from dmp.policy.model import AccessMode, ActorKind
from tests.auth.builders import NOW
from tests.auth.conftest import Certificates


def test_profiles_of_the_issued_certificates(certificates: Certificates) -> None:
    cps = identity_of(certificates.cps.certificate)
    regulator = identity_of(certificates.regulator.certificate)
    feed = identity_of(certificates.feed.certificate)

    assert (cps.kind, cps.national_id, cps.profession) == (
        CertificateKind.PROFESSIONAL, "810003461033", "10",
    )  # fmt: skip
    assert regulator.kind is CertificateKind.REGULATOR
    assert (feed.kind, feed.feed_source, feed.profession) == (
        CertificateKind.FEED, FeedSource.ASSURANCE_MALADIE, None,
    )  # fmt: skip


def test_chain_is_leaf_then_issuing_ca(certificates: Certificates) -> None:
    leaf, issuing = certificates.cps.chain
    assert leaf.issuer == issuing.subject
    assert issuing.issuer == certificates.pki.root.certificate.subject
    constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_save_and_load_keep_keys_and_revocations(
    certificates: Certificates, tmp_path: Path
) -> None:
    certificates.pki.save(tmp_path, now=NOW)
    loaded = LocalPki.load(tmp_path)

    assert loaded.root.certificate == certificates.pki.root.certificate
    assert loaded.issuing.certificate == certificates.pki.issuing.certificate
    assert set(loaded.revoked) == {certificates.revoked.certificate.serial_number}
    for key in ("root-ca.key", "issuing-ca.key"):
        assert stat.S_IMODE((tmp_path / key).stat().st_mode) == 0o600
    bundle = x509.load_pem_x509_certificates((tmp_path / "ca-bundle.pem").read_bytes())
    assert bundle == [certificates.pki.root.certificate]


def _cli() -> typer.Typer:
    # Mounted the way dmp.cli mounts them.
    app = typer.Typer()
    app.add_typer(pki_app, name="pki")
    app.command("token")(token)
    return app


@pytest.fixture(scope="module")
def cli_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli-pki")
    result = CliRunner().invoke(_cli(), ["pki", "init", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(_cli(), list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _verifier(directory: Path) -> TokenVerifier:
    # The commands use the real time: the verifier's frozen clock starts from it.
    return TokenVerifier.from_files(
        ca_bundle=directory / "ca-bundle.pem",
        crl_file=directory / "crl.pem",
        audience="https://dmp.example.fr",
        clock=FrozenClock(datetime.now(UTC) + timedelta(seconds=1)),
    )


def test_init_refuses_to_overwrite(cli_pki: Path) -> None:
    result = CliRunner().invoke(_cli(), ["pki", "init", "--dir", str(cli_pki)])
    assert result.exit_code == 1


def test_cli_cps_token_round_trip(cli_pki: Path) -> None:
    d = str(cli_pki)
    _invoke("pki", "issue-cps", "--national-id", "810003461033", "--profession", "10", "--dir", d)
    cert, key = cli_pki / "cps-810003461033.pem", cli_pki / "cps-810003461033.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    output = _invoke(
        "token", "--cert", str(cert), "--key", str(key), "--mode", "break_glass",
        "--reason", "Urgence vitale", "--consent", "--aud", "https://dmp.example.fr",
    )  # fmt: skip
    credential = _verifier(cli_pki).check(output.strip())

    assert credential.actor.mode is AccessMode.BREAK_GLASS
    assert credential.actor.break_glass_reason == "Urgence vitale"
    assert credential.consent is True


def test_cli_regulator_and_feed(cli_pki: Path) -> None:
    d = str(cli_pki)
    _invoke("pki", "issue-regulator", "--national-id", "810009999991", "--dir", d)
    _invoke(
        "pki", "issue-feed", "--source", "dossier_pharmaceutique", "--identifier", "1", "--dir", d
    )
    verifier = _verifier(cli_pki)

    for stem, mode, kind in (
        ("regulator-810009999991", "regulation", ActorKind.REGULATOR),
        ("feed-dossier_pharmaceutique", "normal", ActorKind.FEED),
    ):
        output = _invoke(
            "token", "--cert", str(cli_pki / f"{stem}.pem"), "--key", str(cli_pki / f"{stem}.key"),
            "--mode", mode, "--aud", "https://dmp.example.fr",
        )  # fmt: skip
        assert verifier.check(output.strip()).actor.kind is kind


def test_cli_rsa_and_revoke(cli_pki: Path) -> None:
    d = str(cli_pki)
    _invoke(
        "pki", "issue-cps", "--national-id", "810000000093", "--profession", "60",
        "--key-type", "rsa", "--dir", d,
    )  # fmt: skip
    cert, key = cli_pki / "cps-810000000093.pem", cli_pki / "cps-810000000093.key"
    sign_args = ("token", "--cert", str(cert), "--key", str(key), "--aud", "https://dmp.example.fr")
    verifier = _verifier(cli_pki)
    verifier.check(_invoke(*sign_args).strip())

    _invoke("pki", "revoke", "--cert", str(cert), "--dir", d)

    with pytest.raises(CertificateRevoked):
        _verifier(cli_pki).check(_invoke(*sign_args).strip())


def test_cli_revoke_needs_one_target(cli_pki: Path) -> None:
    result = CliRunner().invoke(_cli(), ["pki", "revoke", "--dir", str(cli_pki)])
    assert result.exit_code == 2


def test_token_refuses_a_certificate_without_profile(tmp_path: Path) -> None:
    pki = LocalPki.create(now=NOW)
    issued = pki.issuing.issue(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]), now=NOW, days=1
    )
    cert, key = LocalPki.write_issued(tmp_path, "bare", issued)
    result = CliRunner().invoke(_cli(), ["token", "--cert", str(cert), "--key", str(key)])
    assert result.exit_code == 1


def test_cli_revoke_by_serial(cli_pki: Path) -> None:
    d = str(cli_pki)
    _invoke("pki", "issue-cps", "--national-id", "810000000101", "--profession", "50", "--dir", d)
    cert = x509.load_pem_x509_certificate((cli_pki / "cps-810000000101.pem").read_bytes())

    _invoke("pki", "revoke", "--serial", f"{cert.serial_number:x}", "--dir", d)

    assert cert.serial_number in LocalPki.load(cli_pki).revoked
    bad = CliRunner().invoke(_cli(), ["pki", "revoke", "--serial", "zz", "--dir", d])
    assert bad.exit_code == 2
