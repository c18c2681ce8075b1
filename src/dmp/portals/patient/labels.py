"""The plain words of the patient portal for the system's codes. French, the source
language: templates pass them through ``_`` for English (``patient.po``)."""

from __future__ import annotations

from dmp.access.audience import Audience, AudienceEntry, Basis
from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.documents.schemas import AuthorKind, DocumentOut
from dmp.policy import AuthorizationState, DocumentStatus, Reason, Visibility
from dmp.reference import professions

STATUS = {
    DocumentStatus.APPROVED: "En vigueur",
    DocumentStatus.ARCHIVED: "Archivé",
    DocumentStatus.DEPRECATED: "Remplacé par une version plus récente",
    DocumentStatus.DELETED: "Supprimé",
}
VISIBILITY = {
    Visibility.MASQUE_PS: "Masqué aux professionnels de santé",
    Visibility.INVISIBLE_PATIENT: "Pas encore visible par le patient",
    Visibility.INVISIBLE_REPRESENTANTS_LEGAUX: "Caché aux représentants légaux",
}
FORMATS = {
    "application/pdf": "Document PDF",
    "image/jpeg": "Image JPEG",
    "image/png": "Image PNG",
    "text/plain": "Texte",
    "text/xml": "Document médical structuré (CDA)",
    "application/xml": "Document médical structuré (CDA)",
}
# Who the audience rows are, before the professionals' own names.
AUDIENCE = {
    Audience.HOLDER: "Vous",
    Audience.LEGAL_REPRESENTATIVES: "Les représentants légaux",
    Audience.AUTHOR: "L'auteur du document",
    Audience.BREAK_GLASS: "Un médecin en situation d'urgence (« bris de glace »)",
    Audience.REGULATION: "Le médecin régulateur du SAMU (centre 15)",
    Audience.OTHER_PROFESSIONALS: "Les autres professionnels de santé",
    Audience.EXCLUDED: "Employeur, médecine du travail, assurances, mutuelles, banques",
}
_BASIS = {
    Basis.AUTHOR: "C'est l'auteur du document : il le voit toujours.",
    Basis.TREATING_PHYSICIAN: (
        "Médecin traitant DMP : il voit tous vos documents, même ceux que vous avez masqués."
    ),
    Basis.ADMINISTRATOR: (
        "Il a les mêmes droits qu'un médecin traitant : il voit tous vos documents, même masqués."
    ),
    Basis.AUTHORIZED: (
        "Vous l'avez autorisé et sa profession lui permet de lire ce type de document."
    ),
}
_AUDIENCE_ALLOWED = {
    Audience.HOLDER: "Vous voyez tous les documents de votre DMP.",
    Audience.LEGAL_REPRESENTATIVES: ("Ils gèrent le DMP de l'enfant et voient ce document."),
    Audience.BREAK_GLASS: (
        "En cas d'urgence, un médecin qui n'est pas autorisé peut ouvrir votre DMP en "
        "justifiant de l'urgence. Cet accès est tracé et vous en êtes averti."
    ),
    Audience.REGULATION: (
        "Si vous appelez le 15, le médecin régulateur peut consulter votre DMP. Cet accès "
        "est tracé et vous en êtes averti."
    ),
}
_REASONS = {
    Reason.MASKED: "Vous avez masqué ce document aux professionnels de santé.",
    Reason.MATRIX_DENIES_TYPE: "Sa profession ne permet pas de lire ce type de document.",
    Reason.BLOCKED: "Vous l'avez bloqué : il ne peut rien voir de votre DMP.",
    Reason.NOT_AUTHORIZED: ("Ils ne voient pas votre DMP tant que vous ne les avez pas autorisés."),
    Reason.FORBIDDEN_ROLE: "Jamais : la loi l'interdit, même avec votre accord.",
    Reason.BREAK_GLASS_OPPOSED: "Vous vous êtes opposé à l'accès en urgence.",
    Reason.REGULATION_OPPOSED: "Vous vous êtes opposé à l'accès du centre 15.",
    Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES: (
        "Ce document leur est caché, à la demande de l'enfant."
    ),
    Reason.DOCTOR_PRESENCE_REQUIRED: (
        "Ils ne peuvent consulter le DMP qu'en présence d'un médecin."
    ),
    Reason.INVISIBLE_TO_PATIENT: (
        "Le professionnel qui l'a déposé souhaite vous l'annoncer lors d'une consultation."
    ),
    Reason.DOSSIER_CLOSED: "Le DMP est fermé : personne d'autre que vous ne le voit.",
}
_MASKED_IN_EMERGENCY = (
    "Ce document est masqué et vous n'avez pas accepté que les documents masqués soient "
    "visibles en cas d'urgence."
)


def audience_who(entry: AudienceEntry) -> str:
    if entry.professional is not None:
        return professional_name(entry.professional)
    return AUDIENCE[entry.audience]


def audience_why(entry: AudienceEntry) -> str:
    if entry.can_see:
        if entry.basis is not None and entry.basis is not Basis.EMERGENCY:
            return _BASIS[entry.basis]
        return _AUDIENCE_ALLOWED.get(entry.audience, "Peut voir ce document.")
    if entry.reason is Reason.MASKED and entry.audience in (
        Audience.BREAK_GLASS,
        Audience.REGULATION,
    ):
        return _MASKED_IN_EMERGENCY
    if entry.reason is Reason.NOT_AUTHORIZED and entry.professional is not None:
        return "Il n'a plus d'autorisation sur votre DMP."
    return _REASONS.get(entry.reason, "Ne peut pas voir ce document.")


def profession_label(code: str | None) -> str:
    return professions().get(code or "", "")


def professional_name(access: ProfessionalAccess) -> str:
    name = " ".join(p for p in (access.given_names, access.family_name) if p)
    if not name:
        return f"Professionnel n° {access.national_id}"
    label = access.profession_label or profession_label(access.profession_code)
    return f"{name} ({label.lower()})" if label else name


def standing_words(access: ProfessionalAccess) -> str:
    if access.role is ManagerRole.TREATING_PHYSICIAN:
        return "Médecin traitant DMP"
    if access.role is ManagerRole.ADMINISTRATOR:
        return "Administrateur de votre DMP"
    if access.state is None:
        return ""
    return {
        AuthorizationState.AUTHORIZED: "Autorisé",
        AuthorizationState.BLOCKED: "Bloqué",
        AuthorizationState.REVOKED: "Autorisation retirée",
    }[access.state]


# How the patient side's own documents are signed (``documents.records``), as the reader
# of the page is addressed: the holder, or a legal representative.
_PATIENT_SIDE_AUTHOR = {
    (False, "Titulaire"): "Vous",
    (False, "Représentant légal"): "Votre représentant légal",
    (True, "Titulaire"): "Le titulaire du dossier",
    (True, "Représentant légal"): "Vous (représentant légal)",
}


def author_words(document: DocumentOut, *, representative: bool = False) -> str:
    """ "Vous", the representative, the feed's name, or the professional with their
    profession and where they work."""
    author = document.author
    if author.kind is AuthorKind.PATIENT:
        return _PATIENT_SIDE_AUTHOR.get((representative, author.name), author.name)
    parts = [author.name]
    if author.profession:
        label = profession_label(author.profession)
        if label:
            parts.append(label.lower())
    if author.specialty:
        parts.append(author.specialty.lower())
    if author.structure_name:
        parts.append(author.structure_name)
    return ", ".join(parts)


def format_words(mime: str) -> str:
    return FORMATS.get(mime.split(";")[0].strip().lower(), mime)


# The history's words for what the login wrote on the dossier's trace chain (the audit
# domain names the dossier's own actions).
AUTH_ACTIONS = {
    "auth:login": "Connexion à votre compte",
    "auth:login:password-refused": "Connexion refusée : mot de passe incorrect",
    "auth:login:code-refused": "Connexion refusée : code incorrect",
    "auth:login:refused-locked": "Connexion refusée : compte verrouillé",
    "auth:login:temporary-password-spent": (
        "Connexion refusée : mot de passe provisoire déjà utilisé"
    ),
    "auth:login:no-code-channel": "Connexion impossible : aucun moyen de recevoir le code",
    "auth:account:locked": "Compte verrouillé après plusieurs échecs",
    "auth:account:unlocked": "Compte déverrouillé par l'assistance",
    "auth:password:changed": "Mot de passe changé",
    "auth:password:current-refused": "Changement de mot de passe refusé",
    "auth:credentials:reissued": "Nouveaux identifiants remis",
    "auth:passkey:enrolled": "Clé d'accès enregistrée",
    "auth:passkey:removed": "Clé d'accès retirée",
    "auth:login:passkey-refused": "Connexion refusée : clé d'accès non reconnue",
}
