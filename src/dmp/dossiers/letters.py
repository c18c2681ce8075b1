"""The letters handed to a person at a counter or by a professional: the "document des
secrets" (login identifier and initial password of a new DMP, or of re-issued
credentials) and the creation-code letter that invites them to create their DMP online.

Pure functions: they print what the caller just obtained from a service (the password is
shown once and never stored, so it cannot be read back later) and touch no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dmp.identity.nir import parse_nir
from dmp.kit.pdf import Line, text_pdf

_ZONE = ZoneInfo("Europe/Paris")
_SERVICE = "Mon DMP — Dossier Médical Partagé"


@dataclass(frozen=True, slots=True)
class Addressee:
    """Who the letter is for, as typed from an identity document. Every field is
    optional except the NIR: a re-issued letter may be printed for a person whose name
    the counter agent is not allowed to read from the dossier."""

    nir: str
    family_name: str = ""
    given_names: str = ""
    birth_date: date | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name.upper()) if part)


def spaced_nir(nir: str) -> str:
    """``2 69 05 49 588 157 80``: as printed on the Vitale card, easy to compare."""
    value = parse_nir(nir).value
    parts = (value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13], value[13:])
    return " ".join(parts)


def _when(moment: datetime) -> str:
    return moment.astimezone(_ZONE).strftime("%d/%m/%Y à %H:%M")


def _identity_lines(person: Addressee) -> list[Line | str]:
    lines: list[Line | str] = []
    if person.full_name:
        lines.append(f"Titulaire : {person.full_name}")
    if person.birth_date is not None:
        lines.append(f"Date de naissance : {person.birth_date:%d/%m/%Y}")
    lines.append(f"Numéro de sécurité sociale (INS) : {spaced_nir(person.nir)}")
    return lines


def _secret_lines(login_id: str, password: str) -> list[Line | str]:
    return [
        Line("Vos identifiants de connexion", size=12, bold=True),
        Line(f"Identifiant : {login_id}", size=13, bold=True),
        Line(f"Mot de passe provisoire : {password}", size=13, bold=True),
        "",
        "À la première connexion, un code à usage unique vous est envoyé par e-mail ou par "
        "SMS, puis vous choisissez votre propre mot de passe : le mot de passe provisoire "
        "ne sert qu'une fois.",
        "",
        "Conservez ce document en lieu sûr et ne le communiquez à personne : aucun agent ni "
        "aucun professionnel ne vous demandera jamais votre mot de passe.",
    ]


def secrets_letter(
    person: Addressee,
    *,
    login_id: str,
    password: str,
    created_at: datetime,
    representative: bool = False,
) -> bytes:
    """The "document des secrets" of a new DMP: identity, creation date, INS, login
    identifier and initial password. ``representative``: the account is the legal
    representative's, who manages the minor's DMP."""
    lines: list[Line | str] = [
        _SERVICE,
        "",
        *_identity_lines(person),
        f"DMP créé le {_when(created_at)}",
        "",
    ]
    if representative:
        lines += [
            "Ces identifiants sont ceux du représentant légal, qui gère le DMP du mineur "
            "jusqu'à sa majorité.",
            "",
        ]
    lines += _secret_lines(login_id, password)
    lines += [
        "",
        "Pour vous connecter : rendez-vous sur le site Mon DMP, rubrique « Se connecter ».",
        "Vous pouvez à tout moment choisir qui accède à votre dossier, consulter l'historique "
        "des accès, ou fermer votre DMP.",
    ]
    return text_pdf("Votre DMP a été créé — document des secrets", lines)


def credentials_letter(
    person: Addressee, *, login_id: str, password: str, issued_at: datetime, new_login_id: bool
) -> bytes:
    """New credentials for an existing DMP (lost letter, forgotten password)."""
    lines: list[Line | str] = [
        _SERVICE,
        "",
        *_identity_lines(person),
        f"Identifiants réédités le {_when(issued_at)}",
        "",
    ]
    if new_login_id:
        lines += ["Votre identifiant de connexion a changé : l'ancien ne fonctionne plus.", ""]
    lines += [
        "Votre ancien mot de passe ne fonctionne plus.",
        "",
        *_secret_lines(login_id, password),
    ]
    return text_pdf("Vos nouveaux identifiants Mon DMP", lines)


def creation_code_letter(person: Addressee, *, code: str, expires_at: datetime) -> bytes:
    """The letter that carries a 12-character creation code for online creation."""
    grouped = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    lines: list[Line | str] = [
        _SERVICE,
        "",
        *_identity_lines(person),
        "",
        Line("Votre code de création", size=12, bold=True),
        Line(grouped, size=14, bold=True),
        f"Valable jusqu'au {expires_at.astimezone(_ZONE):%d/%m/%Y}, pour une seule création.",
        "",
        "Pour créer votre DMP en ligne : rendez-vous sur le site Mon DMP, rubrique « Créer "
        "mon DMP », puis saisissez votre numéro de sécurité sociale, ce code et le numéro "
        "de série de votre carte Vitale.",
        "",
        "Un code demandé plus tard remplace celui-ci, qui cesse alors de fonctionner.",
    ]
    return text_pdf("Créer votre DMP — code de création", lines)
