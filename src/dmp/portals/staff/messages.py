"""Policy refusals in words a professional or an agent can act on.

``AccessDenied`` carries the policy's stable reason code, which is right for machines
and traces but not for a person in front of a patient; every other error already says
what to do in its own message."""

from __future__ import annotations

from dmp.errors import AccessDenied, DmpError

# reason code → (French, English)
_REASONS: dict[str, tuple[str, str]] = {
    "not_authorized": (
        "Vous n'êtes pas autorisé(e) à consulter ce DMP. Avec le patient présent, déclarez "
        "son consentement ; en cas d'urgence, utilisez l'accès en bris de glace.",
        "You are not authorized to read this DMP. With the patient present, declare their "
        "consent; in an emergency, use break-glass access.",
    ),
    "blocked": (
        "Le patient vous a bloqué(e) : vous ne pouvez pas consulter son DMP, même en urgence. "
        "Vous pouvez toujours y déposer des documents.",
        "The patient blocked you: you cannot read their DMP, even in an emergency. You can "
        "still add documents to it.",
    ),
    "break_glass_opposed": (
        "Le patient s'est opposé à l'accès à son DMP en urgence (bris de glace) : l'accès est "
        "refusé. Cette tentative est tracée dans son historique.",
        "The patient refused emergency (break-glass) access to their DMP: access is denied. "
        "This attempt is logged in their history.",
    ),
    "break_glass_reason_missing": (
        "Indiquez le motif de l'accès en urgence.",
        "State the reason for the emergency access.",
    ),
    "matrix_denies_type": (
        "Votre profession ne permet pas de consulter ce type de document.",
        "Your profession may not read this type of document.",
    ),
    "masked": (
        "Ce document a été masqué aux professionnels par le patient.",
        "The patient masked this document from professionals.",
    ),
    "not_author": (
        "Seul l'auteur du document peut faire cette opération.",
        "Only the document's author may do this.",
    ),
    "not_manager": (
        "Cette fonction est réservée au médecin traitant DMP et aux administrateurs du dossier.",
        "This function is reserved to the treating physician and the dossier's administrators.",
    ),
    "only_patient_unblocks": (
        "Seul le patient (ou son représentant légal) peut débloquer un professionnel.",
        "Only the patient (or their legal representative) can unblock a professional.",
    ),
    "unmaskable": (
        "Les données de remboursement ne peuvent être ni masquées ni cachées.",
        "Reimbursement data can be neither masked nor hidden.",
    ),
    "dossier_closed": (
        "Ce DMP est fermé : il n'est plus consultable ni alimenté.",
        "This DMP is closed: it can no longer be read or fed.",
    ),
    "dossier_not_closed": ("Ce DMP n'est pas fermé.", "This DMP is not closed."),
    "document_not_current": ("Ce document a été supprimé.", "This document was deleted."),
    "action_not_permitted": (
        "Cette opération ne vous est pas permise.",
        "This operation is not permitted to you.",
    ),
    "mode_not_allowed": (
        "Ce mode d'accès ne vous est pas ouvert.",
        "This access mode is not open to you.",
    ),
}


def explain(error: DmpError, language: str) -> str:
    if isinstance(error, AccessDenied):
        known = _REASONS.get(str(error.fields.get("reason", "")))
        if known is not None:
            return known[0] if language == "fr" else known[1]
    return error.message(language)


def refusal_reason(error: DmpError) -> str | None:
    """The policy's reason of a refusal, for pages that react to one in particular."""
    return str(error.fields.get("reason")) if isinstance(error, AccessDenied) else None
