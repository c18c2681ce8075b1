"""Refusals of the dossier lifecycle, each precise enough for the person to act on."""

from dmp.errors import BusinessRule, Conflict, InvalidInput, NotFound


class DossierNotFound(NotFound):
    code = "dossier_not_found"
    message_fr = "Aucun DMP ne correspond."
    message_en = "No DMP matches."


class ConsentMissing(BusinessRule):
    code = "consent_missing"
    message_fr = "Le DMP ne peut être créé sans le consentement exprès du patient."
    message_en = "A DMP cannot be created without the patient's express consent."


class RepresentativeConsentRequired(BusinessRule):
    code = "representative_consent_required"
    message_fr = (
        "Pour un mineur, le consentement doit être donné par un représentant légal, "
        "dont l'identité est enregistrée."
    )
    message_en = "For a minor, a legal representative must consent and be recorded."


class DossierAlreadyExists(Conflict):
    code = "dossier_already_exists"
    message_fr = "Cette personne a déjà un DMP ({status}) : il ne peut en exister qu'un."
    message_en = "This person already has a DMP ({status}): only one may exist."


class CreationCodeInvalid(BusinessRule):
    code = "creation_code_invalid"
    message_fr = "Le code de création est incorrect pour ce numéro de sécurité sociale."
    message_en = "The creation code is wrong for this social security number."


class CreationCodeExpired(BusinessRule):
    code = "creation_code_expired"
    message_fr = "Le code de création a expiré : demandez-en un nouveau."
    message_en = "The creation code has expired: request a new one."


class CreationCodeUsed(BusinessRule):
    code = "creation_code_used"
    message_fr = "Ce code de création a déjà été utilisé."
    message_en = "This creation code has already been used."


class VitaleSerialRequired(InvalidInput):
    code = "vitale_serial_required"
    message_fr = (
        "Le numéro de série de la carte Vitale est obligatoire pour créer son DMP en ligne."
    )
    message_en = "The Vitale card serial number is required to create a DMP online."


class DossierAlreadyClosed(Conflict):
    code = "dossier_already_closed"
    message_fr = "Ce DMP est déjà fermé."
    message_en = "This DMP is already closed."


class DossierNotClosed(Conflict):
    code = "dossier_not_closed"
    message_fr = "Ce DMP n'est pas fermé."
    message_en = "This DMP is not closed."


class DossierPurged(Conflict):
    code = "dossier_purged"
    message_fr = "Ce DMP a été définitivement supprimé."
    message_en = "This DMP has been permanently deleted."


class PurgeTooEarly(BusinessRule):
    code = "purge_too_early"
    message_fr = "Ce DMP ne peut pas être supprimé avant le {purge_after}."
    message_en = "This DMP cannot be purged before {purge_after}."


class NoDeletionRequested(Conflict):
    code = "no_deletion_requested"
    message_fr = "Aucune demande de suppression n'est en cours pour ce DMP."
    message_en = "No deletion request is pending for this DMP."


class MaskedConsentNeedsEmergency(BusinessRule):
    code = "masked_consent_needs_emergency"
    message_fr = (
        "L'accès d'urgence aux documents masqués ne peut être autorisé que si le bris de "
        "glace ou l'accès par le centre 15 est autorisé."
    )
    message_en = "Emergency access to masked documents needs break-glass or regulation on."
