"""``dmp pki …`` (a local test PKI under var/pki) and ``dmp token`` (a signed assertion for
curl). Mounted by ``dmp.cli``: ``app.add_typer(pki_app, name="pki")`` and
``app.command("token")(token)``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509

from dmp.auth.pki import CRL, IssuedCertificate, KeyType, LocalPki, load_private_key
from dmp.auth.profiles import CertificateKind, FeedSource, ProfileError, identity_of
from dmp.auth.tokens import DEFAULT_LIFETIME, build_claims, sign_claims
from dmp.config import get_settings
from dmp.kit.clock import system_clock
from dmp.policy.model import AccessMode

pki_app = typer.Typer(
    help="PKI de test : autorité, certificats CPS, régulateur, flux, révocation.",
    no_args_is_help=True,
)

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="Dossier de la PKI (défaut : <var>/pki).")
]
KeyTypeOption = Annotated[
    KeyType, typer.Option("--key-type", help="ec (P-256, ES256) ou rsa (2048, PS256).")
]
DaysOption = Annotated[int, typer.Option("--days", min=1, help="Durée de validité en jours.")]


def _directory(value: Path | None) -> Path:
    return value if value is not None else get_settings().var_dir / "pki"


def _now() -> datetime:
    return system_clock.now()


def _load(directory: Path) -> LocalPki:
    if not (directory / CRL).exists():
        typer.echo(f"Aucune PKI dans {directory} : lancez d'abord « dmp pki init ».", err=True)
        raise typer.Exit(code=1)
    return LocalPki.load(directory)


def _written(directory: Path, stem: str, issued: IssuedCertificate) -> None:
    cert_path, key_path = LocalPki.write_issued(directory, stem, issued)
    typer.echo(f"certificat : {cert_path}")
    typer.echo(f"clé privée : {key_path}")
    typer.echo(f"numéro de série : {issued.certificate.serial_number:x}")


@pki_app.command("init")
def init(
    directory: DirOption = None,
    name: Annotated[str, typer.Option(help="Nom des autorités de test.")] = "OpenDMP Test",
    force: Annotated[bool, typer.Option(help="Remplacer une PKI existante.")] = False,
) -> None:
    """Crée une autorité racine, une autorité émettrice, le bundle et la CRL."""
    target = _directory(directory)
    if (target / CRL).exists() and not force:
        typer.echo(f"Une PKI existe déjà dans {target} (--force pour la remplacer).", err=True)
        raise typer.Exit(code=1)
    now = _now()
    LocalPki.create(now=now, name=name).save(target, now=now)
    typer.echo(f"PKI de test créée dans {target}")
    typer.echo(f"DMP_PKI_CA_BUNDLE={target / 'ca-bundle.pem'}")
    typer.echo(f"DMP_PKI_CRL_FILE={target / CRL}")


@pki_app.command("issue-cps")
def issue_cps(
    national_id: Annotated[str, typer.Option(help="Identifiant national (8 + RPPS).")],
    profession: Annotated[str, typer.Option(help="Code profession TRE_G15, ex. 10.")],
    given_name: Annotated[str, typer.Option(help="Prénom.")] = "Camille",
    family_name: Annotated[str, typer.Option(help="Nom.")] = "Durand",
    organization: Annotated[str | None, typer.Option(help="Structure d'exercice.")] = None,
    key_type: KeyTypeOption = KeyType.EC,
    days: DaysOption = 3 * 365,
    directory: DirOption = None,
) -> None:
    """Émet un certificat de professionnel de santé (CPS)."""
    target = _directory(directory)
    issued = _load(target).issue_cps(
        national_id=national_id, profession=profession, given_name=given_name,
        family_name=family_name, organization=organization, now=_now(), days=days,
        key_type=key_type,
    )  # fmt: skip
    _written(target, f"cps-{national_id}", issued)


@pki_app.command("issue-regulator")
def issue_regulator(
    national_id: Annotated[str, typer.Option(help="Identifiant national (8 + RPPS).")],
    profession: Annotated[str, typer.Option(help="Code profession TRE_G15.")] = "10",
    given_name: Annotated[str, typer.Option(help="Prénom.")] = "Régis",
    family_name: Annotated[str, typer.Option(help="Nom.")] = "Régulateur",
    organization: Annotated[str, typer.Option(help="Centre de régulation.")] = "SAMU Centre 15",
    key_type: KeyTypeOption = KeyType.EC,
    days: DaysOption = 3 * 365,
    directory: DirOption = None,
) -> None:
    """Émet un certificat de centre de régulation (SAMU - Centre 15)."""
    target = _directory(directory)
    issued = _load(target).issue_regulator(
        national_id=national_id, profession=profession, given_name=given_name,
        family_name=family_name, organization=organization, now=_now(), days=days,
        key_type=key_type,
    )  # fmt: skip
    _written(target, f"regulator-{national_id}", issued)


@pki_app.command("issue-feed")
def issue_feed(
    source: Annotated[FeedSource, typer.Option(help="Origine du flux.")],
    identifier: Annotated[str, typer.Option(help="Identifiant de l'émetteur du flux.")],
    name: Annotated[str | None, typer.Option(help="Nom affiché.")] = None,
    key_type: KeyTypeOption = KeyType.EC,
    days: DaysOption = 3 * 365,
    directory: DirOption = None,
) -> None:
    """Émet un certificat de flux (Assurance Maladie, Dossier Pharmaceutique)."""
    target = _directory(directory)
    default_names = {
        FeedSource.ASSURANCE_MALADIE: "Assurance Maladie",
        FeedSource.DOSSIER_PHARMACEUTIQUE: "Dossier Pharmaceutique",
    }
    issued = _load(target).issue_feed(
        source=source, identifier=identifier, name=name or default_names[source],
        now=_now(), days=days, key_type=key_type,
    )  # fmt: skip
    _written(target, f"feed-{source.value}", issued)


@pki_app.command("revoke")
def revoke(
    cert: Annotated[Path | None, typer.Option(help="Certificat à révoquer (PEM).")] = None,
    serial: Annotated[str | None, typer.Option(help="Numéro de série (hexadécimal).")] = None,
    directory: DirOption = None,
) -> None:
    """Révoque un certificat et republie la CRL."""
    if (cert is None) == (serial is None):
        typer.echo("Indiquez soit --cert soit --serial.", err=True)
        raise typer.Exit(code=2)
    if cert is not None:
        number = x509.load_pem_x509_certificate(cert.read_bytes()).serial_number
    else:
        try:
            number = int(serial or "", 16)
        except ValueError as exc:
            raise typer.BadParameter(
                "numéro de série hexadécimal attendu", param_hint="--serial"
            ) from exc
    target = _directory(directory)
    pki = _load(target)
    now = _now()
    pki.revoke(number, at=now)
    pki.save_crl(target, now=now)
    typer.echo(f"certificat {number:x} révoqué ; CRL republiée : {target / CRL}")


@pki_app.command("crl")
def crl(
    days: Annotated[int, typer.Option(min=1, help="Validité de la CRL en jours.")] = 365,
    directory: DirOption = None,
) -> None:
    """Republie la CRL (une CRL périmée fait refuser tous les jetons)."""
    target = _directory(directory)
    now = _now()
    _load(target).save_crl(target, now=now, days=days)
    typer.echo(f"CRL republiée : {target / CRL}")


def token(
    cert: Annotated[Path, typer.Option(help="Certificat PEM (suivi de sa chaîne).")],
    key: Annotated[Path, typer.Option(help="Clé privée PEM du certificat.")],
    mode: Annotated[AccessMode, typer.Option(help="Mode d'accès.")] = AccessMode.NORMAL,
    reason: Annotated[str | None, typer.Option(help="Justification (bris de glace).")] = None,
    consent: Annotated[bool, typer.Option(help="Déclare le consentement du patient.")] = False,
    aud: Annotated[str | None, typer.Option(help="Service visé (défaut : DMP_BASE_URL).")] = None,
    specialty: Annotated[str | None, typer.Option(help="Spécialité.")] = None,
    structure: Annotated[str | None, typer.Option(help="Structure (IdNat_Struct).")] = None,
    lifetime: Annotated[
        int, typer.Option(min=1, help="Durée de validité en secondes (5 min au plus).")
    ] = int(DEFAULT_LIFETIME.total_seconds()),
) -> None:
    """Imprime une assertion signée pour « Authorization: Bearer … » (curl, tests)."""
    chain = x509.load_pem_x509_certificates(cert.read_bytes())
    try:
        identity = identity_of(chain[0])
    except ProfileError as exc:
        typer.echo(f"Certificat inutilisable : {exc}", err=True)
        raise typer.Exit(code=1) from exc
    claims = build_claims(
        subject=identity.national_id,
        audience=aud or get_settings().public_base_url,
        issued_at=_now(),
        profession=identity.profession if identity.kind is not CertificateKind.FEED else None,
        lifetime=timedelta(seconds=lifetime),
        mode=mode,
        reason=reason,
        consent=consent,
        specialty=specialty,
        structure=structure,
    )
    typer.echo(sign_claims(claims, private_key=load_private_key(key), chain=chain))
