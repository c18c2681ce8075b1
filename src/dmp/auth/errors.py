"""Refusals of an API credential, one class per check so that clients (and the traces)
see exactly which verification failed. All are 401 with the FHIR issue code ``login``."""

from __future__ import annotations

from dmp.errors import Unauthenticated


class AuthenticationRefused(Unauthenticated):
    """Common parent: the HTTP layer adds ``WWW-Authenticate: Bearer error="invalid_token"``."""

    code = "unauthenticated"


class TokenMissing(AuthenticationRefused):
    code = "token_missing"
    message_fr = "Aucun jeton : l'en-tête « Authorization: Bearer <jeton> » est requis."
    message_en = "No token: the header 'Authorization: Bearer <token>' is required."


class TokenMalformed(AuthenticationRefused):
    code = "token_malformed"
    message_fr = "Jeton illisible : {detail}"
    message_en = "Unreadable token: {detail}"


class AlgorithmRefused(AuthenticationRefused):
    code = "token_algorithm_refused"
    message_fr = "Algorithme de signature refusé : {alg} (acceptés : ES256, PS256 selon la clé)."
    message_en = "Signature algorithm refused: {alg} (accepted: ES256, PS256 matching the key)."


class CertificateChainMissing(AuthenticationRefused):
    code = "token_x5c_missing"
    message_fr = "Le jeton ne porte pas la chaîne de certificats (en-tête x5c)."
    message_en = "The token does not carry its certificate chain (x5c header)."


class CertificateMalformed(AuthenticationRefused):
    code = "certificate_malformed"
    message_fr = "Certificat illisible dans la chaîne x5c : {detail}"
    message_en = "Unreadable certificate in the x5c chain: {detail}"


class UnknownCertificateAuthority(AuthenticationRefused):
    code = "certificate_unknown_ca"
    message_fr = "Certificat émis par une autorité non reconnue ({issuer})."
    message_en = "Certificate issued by an unknown authority ({issuer})."


class CertificateChainInvalid(AuthenticationRefused):
    code = "certificate_chain_invalid"
    message_fr = "Chaîne de certificats invalide : {detail}"
    message_en = "Invalid certificate chain: {detail}"


class CertificateExpired(AuthenticationRefused):
    code = "certificate_expired"
    message_fr = "Certificat expiré depuis le {not_after} ({subject})."
    message_en = "Certificate expired on {not_after} ({subject})."


class CertificateNotYetValid(AuthenticationRefused):
    code = "certificate_not_yet_valid"
    message_fr = "Certificat pas encore valide avant le {not_before} ({subject})."
    message_en = "Certificate not valid before {not_before} ({subject})."


class CertificateRevoked(AuthenticationRefused):
    code = "certificate_revoked"
    message_fr = "Certificat révoqué le {revoked_at} (numéro de série {serial})."
    message_en = "Certificate revoked on {revoked_at} (serial number {serial})."


class RevocationStatusUnknown(AuthenticationRefused):
    code = "certificate_revocation_unknown"
    message_fr = "Statut de révocation inconnu : {detail}"
    message_en = "Revocation status unknown: {detail}"


class CertificateUnusable(AuthenticationRefused):
    code = "certificate_unusable"
    message_fr = "Certificat inutilisable pour s'authentifier : {detail}"
    message_en = "Certificate not usable for authentication: {detail}"


class SignatureInvalid(AuthenticationRefused):
    code = "token_signature_invalid"
    message_fr = "Signature du jeton invalide pour la clé du certificat."
    message_en = "The token's signature does not match the certificate's key."


class TokenClaimMissing(AuthenticationRefused):
    code = "token_claim_missing"
    message_fr = "Information absente du jeton : « {claim} »."
    message_en = "Claim missing from the token: '{claim}'."


class TokenClaimInvalid(AuthenticationRefused):
    code = "token_claim_invalid"
    message_fr = "Information invalide dans le jeton : « {claim} » ({detail})."
    message_en = "Invalid claim in the token: '{claim}' ({detail})."


class TokenExpired(AuthenticationRefused):
    code = "token_expired"
    message_fr = "Jeton expiré le {exp}."
    message_en = "Token expired at {exp}."


class TokenNotYetValid(AuthenticationRefused):
    code = "token_not_yet_valid"
    message_fr = "Jeton émis dans le futur ({iat}) : vérifiez l'horloge du poste."
    message_en = "Token issued in the future ({iat}): check the workstation's clock."


class TokenLifetimeTooLong(AuthenticationRefused):
    code = "token_lifetime_too_long"
    message_fr = "Durée de validité du jeton trop longue : {seconds} s pour {limit} s au plus."
    message_en = "Token lifetime too long: {seconds} s, at most {limit} s."


class AudienceMismatch(AuthenticationRefused):
    code = "token_audience_mismatch"
    message_fr = "Jeton destiné à un autre service ({aud}) ; attendu : {expected}."
    message_en = "Token meant for another service ({aud}); expected: {expected}."


class SubjectMismatch(AuthenticationRefused):
    code = "token_subject_mismatch"
    message_fr = "L'identifiant du jeton ({sub}) n'est pas celui du certificat ({certificate_id})."
    message_en = "The token's subject ({sub}) is not the certificate's id ({certificate_id})."


class ProfessionMismatch(AuthenticationRefused):
    code = "token_profession_mismatch"
    message_fr = (
        "Profession du jeton ({profession}) différente de celle du certificat ({certified})."
    )
    message_en = (
        "The token's profession ({profession}) differs from the certificate's ({certified})."
    )


class TokenReplayed(AuthenticationRefused):
    code = "token_replayed"
    message_fr = "Jeton déjà utilisé (jti rejoué) : signez un nouveau jeton pour chaque requête."
    message_en = "Token already used (replayed jti): sign a new token for every request."


class BreakGlassReasonMissing(AuthenticationRefused):
    code = "break_glass_reason_missing"
    message_fr = "Accès en bris de glace sans justification (« reason » est obligatoire)."
    message_en = "Break-glass access without a justification ('reason' is required)."


class RegulationCertificateRequired(AuthenticationRefused):
    code = "regulation_certificate_required"
    message_fr = "Le mode régulation exige un certificat de centre de régulation (SAMU-Centre 15)."
    message_en = "Regulation mode requires a regulation-centre certificate (SAMU Centre 15)."


class ModeNotAllowed(AuthenticationRefused):
    code = "token_mode_not_allowed"
    message_fr = "Mode d'accès « {mode} » impossible avec un certificat {certificate_kind}."
    message_en = "Access mode '{mode}' not allowed with a {certificate_kind} certificate."
