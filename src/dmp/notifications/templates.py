"""The French texts of the notices sent to patients and their legal representatives.

A notice never carries medical content: no document, type, profession, specialty,
professional's name or break-glass reason — only that something happened to the record
and when. E-mail and SMS are not confidential channels; the details are in the access
history, behind the patient's login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
FOOTER = (
    "\n\nCe message est envoyé automatiquement par le service du Dossier Médical Partagé : "
    "merci de ne pas y répondre. Il ne contient jamais de donnée médicale, et personne ne "
    "vous demandera vos codes de connexion."
)


class EventKind(StrEnum):
    DOSSIER_CREATED = "dossier_created"
    FIRST_ACCESS = "first_access"
    BREAK_GLASS = "break_glass"
    REGULATION = "regulation"
    LOGIN_CODE = "login_code"
    CONTACT_CODE = "contact_code"
    CONTACT_CHANGED = "contact_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name, not a secret
    DOSSIER_CLOSED = "dossier_closed"
    DOSSIER_REACTIVATED = "dossier_reactivated"


class Role(StrEnum):
    HOLDER = "holder"
    REPRESENTATIVE = "representative"


# Events the person may switch off; the others reach them on at least one channel.
OPTIONAL_EVENTS = frozenset({EventKind.FIRST_ACCESS})

_WHOSE = {
    Role.HOLDER: ("votre Dossier Médical Partagé (DMP)", "votre DMP"),
    Role.REPRESENTATIVE: (
        "le Dossier Médical Partagé (DMP) de l'enfant dont vous êtes représentant légal",
        "le DMP de votre enfant",
    ),
}


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    body: str
    sms: str


_HISTORY = "Le détail figure dans l'historique des accès, en vous connectant à votre espace DMP."
_NOT_YOU = (
    "Si vous n'êtes pas à l'origine de cette opération, contactez sans attendre DMP Info Service."
)

TEMPLATES: dict[EventKind, Template] = {
    EventKind.DOSSIER_CREATED: Template(
        subject="Création de votre Dossier Médical Partagé",
        body=(
            "Bonjour,\n\n{Whose} a été créé le {date}. Ce message en accuse réception.\n\n"
            "Vos identifiants de connexion vous sont remis séparément : ils ne sont jamais "
            "envoyés par e-mail ni par SMS.\n\nSi vous n'avez pas demandé la création de ce "
            "dossier, vous pouvez le fermer à tout moment ou contacter DMP Info Service."
        ),
        sms="DMP : {whose_short} a été créé le {date}. En cas de doute, contactez "
        "DMP Info Service.",
    ),
    EventKind.FIRST_ACCESS: Template(
        subject="Un nouveau professionnel a consulté votre DMP",
        body=(
            "Bonjour,\n\nUn professionnel de santé a consulté {whose} pour la première fois "
            "le {date} à {time}.\n\n" + _HISTORY + " Vous pouvez y bloquer un professionnel."
        ),
        sms="DMP : un professionnel de santé a consulté {whose_short} pour la première fois "
        "le {date} à {time}. Détails dans votre espace DMP.",
    ),
    EventKind.BREAK_GLASS: Template(
        subject="Accès en urgence à votre DMP",
        body=(
            "Bonjour,\n\nUn professionnel de santé a consulté {whose} en mode urgence "
            "(« bris de glace ») le {date} à {time}.\n\nCe mode est réservé aux situations "
            "où votre état ne permet pas de recueillir votre accord. " + _HISTORY + " Vous "
            "pouvez vous opposer à ce mode d'accès dans vos paramètres."
        ),
        sms="DMP : accès en urgence (bris de glace) à {whose_short} le {date} à {time}. "
        "Détails dans votre espace DMP.",
    ),
    EventKind.REGULATION: Template(
        subject="Consultation de votre DMP par le SAMU – Centre 15",
        body=(
            "Bonjour,\n\nUn médecin régulateur du SAMU – Centre 15 a consulté {whose} le "
            "{date} à {time}, à l'occasion d'un appel.\n\n" + _HISTORY + " Vous pouvez vous "
            "opposer à cet accès dans vos paramètres."
        ),
        sms="DMP : le SAMU – Centre 15 a consulté {whose_short} le {date} à {time}. "
        "Détails dans votre espace DMP.",
    ),
    EventKind.CONTACT_CHANGED: Template(
        subject="Modification de vos coordonnées DMP",
        body="Bonjour,\n\nLes coordonnées de contact de {whose} ont été modifiées le {date} "
        "à {time}.\n\n" + _NOT_YOU,
        sms="DMP : coordonnées de {whose_short} modifiées le {date} à {time}. Si ce n'est pas "
        "vous, contactez DMP Info Service.",
    ),
    EventKind.PASSWORD_CHANGED: Template(
        subject="Modification de votre mot de passe DMP",
        body="Bonjour,\n\nLe mot de passe de votre compte d'accès à {whose} a été modifié le "
        "{date} à {time}.\n\n" + _NOT_YOU,
        sms="DMP : mot de passe modifié le {date} à {time}. Si ce n'est pas vous, contactez "
        "DMP Info Service.",
    ),
    EventKind.DOSSIER_CLOSED: Template(
        subject="Fermeture de votre Dossier Médical Partagé",
        body="Bonjour,\n\n{Whose} a été fermé le {date}. {retention}\n\nVous pouvez le "
        "réactiver d'ici là auprès de votre caisse ou d'un professionnel de santé.",
        sms="DMP : {whose_short} a été fermé le {date}. {retention}",
    ),
    EventKind.DOSSIER_REACTIVATED: Template(
        subject="Réactivation de votre Dossier Médical Partagé",
        body="Bonjour,\n\n{Whose} a été réactivé le {date}.\n\n" + _NOT_YOU,
        sms="DMP : {whose_short} a été réactivé le {date}.",
    ),
}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    sms: str


def french_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.strftime("%d/%m/%Y")


def french_time(value: datetime) -> str:
    return value.astimezone(PARIS).strftime("%Hh%M")


def retention_sentence(*, purge_after: datetime | None, deletion_requested: bool) -> str:
    if purge_after is None:
        return ""
    when = french_date(purge_after)
    if deletion_requested:
        return f"Ses données seront supprimées définitivement le {when}, sauf annulation."
    return f"Ses données sont conservées jusqu'au {when}, puis supprimées."


def render(kind: EventKind, *, role: Role, at: datetime, retention: str = "") -> Rendered:
    template = TEMPLATES[kind]
    whose, whose_short = _WHOSE[role]
    values = {
        "Whose": whose[0].upper() + whose[1:],
        "whose": whose,
        "whose_short": whose_short,
        "date": french_date(at),
        "time": french_time(at),
        "retention": retention,
    }
    return Rendered(
        subject=template.subject,
        body=template.body.format(**values) + FOOTER,
        sms=" ".join(template.sms.format(**values).split()),
    )
