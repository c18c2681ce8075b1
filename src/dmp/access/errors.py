"""Refusals of access management: each says what is in the way and how to get past it.

They are raised after the policy allowed the request and before anything changed, so the
unit of work rolls back (the allowed trace included): a refused change leaves no mark.
"""

from dmp.errors import BusinessRule, Conflict, InvalidInput


class ProfessionalNotInDirectory(BusinessRule):
    code = "professional_not_in_directory"
    message_fr = (
        "Le professionnel {professional_id} est inconnu de l'annuaire : il ne peut pas "
        "recevoir d'accès à ce DMP."
    )
    message_en = (
        "Professional {professional_id} is not in the directory: they cannot be given "
        "access to this DMP."
    )


class AlreadyAuthorized(Conflict):
    code = "already_authorized"
    message_fr = "Le professionnel {professional_id} est déjà autorisé à accéder à ce DMP."
    message_en = "Professional {professional_id} is already authorized on this DMP."


class AuthorizationNotGranted(Conflict):
    code = "authorization_not_granted"
    message_fr = (
        "Le professionnel {professional_id} n'a pas d'autorisation en cours sur ce DMP : "
        "il n'y a rien à retirer."
    )
    message_en = (
        "Professional {professional_id} holds no current authorization on this DMP: "
        "there is nothing to revoke."
    )


class ProfessionalBlocked(Conflict):
    code = "professional_blocked"
    message_fr = (
        "Le professionnel {professional_id} est bloqué sur ce DMP : seul le patient (ou son "
        "représentant légal) peut le débloquer, avant de lui donner un accès."
    )
    message_en = (
        "Professional {professional_id} is blocked on this DMP: only the patient (or their "
        "legal representative) can unblock them before giving them access."
    )


class AlreadyBlocked(Conflict):
    code = "already_blocked"
    message_fr = "Le professionnel {professional_id} est déjà bloqué sur ce DMP."
    message_en = "Professional {professional_id} is already blocked on this DMP."


class NotBlocked(Conflict):
    code = "not_blocked"
    message_fr = "Le professionnel {professional_id} n'est pas bloqué sur ce DMP."
    message_en = "Professional {professional_id} is not blocked on this DMP."


class BlockingManagerReservedToPatient(BusinessRule):
    code = "blocking_manager_reserved_to_patient"
    message_fr = (
        "Seul le patient (ou son représentant légal) peut bloquer un médecin traitant DMP "
        "ou un professionnel administrateur du dossier."
    )
    message_en = (
        "Only the patient (or their legal representative) can block a treating physician "
        "or an administrator of the dossier."
    )


class AlreadyDesignated(Conflict):
    code = "already_designated"
    message_fr = "Le professionnel {professional_id} a déjà ce rôle sur ce DMP ({role})."
    message_en = "Professional {professional_id} already holds this role on this DMP ({role})."


class NotDesignated(Conflict):
    code = "not_designated"
    message_fr = (
        "Le professionnel {professional_id} n'est ni médecin traitant DMP ni administrateur "
        "de ce dossier."
    )
    message_en = (
        "Professional {professional_id} is neither a treating physician nor an "
        "administrator of this dossier."
    )


class NoLegalRepresentative(BusinessRule):
    code = "no_legal_representative"
    message_fr = (
        "Ce DMP n'est pas celui d'un mineur : il n'a pas de représentant légal à restreindre."
    )
    message_en = "This is not a minor's DMP: it has no legal representative to restrict."


class RestrictionUnchanged(Conflict):
    code = "restriction_unchanged"
    message_fr = "La restriction des représentants légaux est déjà dans cet état ({state})."
    message_en = "The legal representatives' restriction is already in this state ({state})."


class RepresentativeCannotLiftRestriction(BusinessRule):
    code = "representative_cannot_lift_restriction"
    message_fr = (
        "Un représentant légal ne peut pas lever lui-même la restriction qui limite son "
        "accès à la présence d'un médecin."
    )
    message_en = (
        "A legal representative cannot lift the restriction that limits their own access "
        "to the presence of a doctor."
    )


class HolderStillMinor(BusinessRule):
    code = "holder_still_minor"
    message_fr = (
        "Le titulaire de ce DMP sera majeur le {majority_on} : son consentement ne peut "
        "être recueilli avant."
    )
    message_en = (
        "The holder of this DMP comes of age on {majority_on}: their consent cannot be "
        "recorded before."
    )


class MajorityConsentNotDue(Conflict):
    code = "majority_consent_not_due"
    message_fr = "Aucun consentement du titulaire devenu majeur n'est attendu pour ce DMP."
    message_en = "No consent of a holder who came of age is pending for this DMP."


class BreakGlassReasonRequired(InvalidInput):
    code = "break_glass_reason_required"
    message_fr = (
        "Indiquez le motif de l'accès en urgence (bris de glace) : il est tracé et "
        "communiqué au patient ({detail})."
    )
    message_en = (
        "State the reason for the emergency (break-glass) access: it is logged and shown "
        "to the patient ({detail})."
    )


class EmergencyAccessNotNeeded(Conflict):
    code = "emergency_access_not_needed"
    message_fr = (
        "Vous avez déjà accès à ce DMP (autorisation ou médecin traitant) : le bris de "
        "glace n'est pas nécessaire."
    )
    message_en = (
        "You already have access to this DMP (authorization or treating physician): "
        "break-glass is not needed."
    )
