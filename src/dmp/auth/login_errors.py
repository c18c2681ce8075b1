"""Refusals of people's logins and sessions (the API-credential refusals are in
``errors.py``). Messages never say whether an identifier exists: an unknown identifier
and a wrong password get the same ``InvalidCredentials``, and the same lockout."""

from __future__ import annotations

from dmp.errors import DmpError, InvalidInput, Unauthenticated


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    message_fr = "Identifiant ou mot de passe incorrect."
    message_en = "Wrong identifier or password."


class AccountLocked(DmpError):
    code = "account_locked"
    status = 429
    fhir_code = "throttled"
    message_fr = (
        "Trop de tentatives infructueuses : le compte est verrouillé pendant {minutes} minutes. "
        "Réessayez plus tard ou contactez l'assistance (DMP Info Service)."
    )
    message_en = "Too many failed attempts: the account is locked for {minutes} minutes."


class NoCodeChannel(DmpError):
    code = "no_code_channel"
    status = 403
    fhir_code = "forbidden"
    message_fr = (
        "Aucune adresse e-mail ni aucun numéro de mobile n'est enregistré pour vous envoyer "
        "le code de connexion : contactez l'assistance (DMP Info Service), qui pourra en "
        "enregistrer un après vérification de votre identité."
    )
    message_en = (
        "No e-mail address or mobile number is on file to send the login code: contact "
        "support (DMP Info Service) to have one recorded."
    )


class ChannelUnavailable(InvalidInput):
    code = "code_channel_unavailable"
    message_fr = "Ce moyen de réception du code n'est pas enregistré pour ce compte ({channel})."
    message_en = "This way of receiving the code is not on file for this account ({channel})."


class CodeIncorrect(Unauthenticated):
    code = "code_incorrect"
    message_fr = "Code incorrect."
    message_en = "Wrong code."


class ChallengeExpired(Unauthenticated):
    code = "code_expired"
    message_fr = "Ce code n'est plus valable (expiré ou déjà utilisé) : demandez-en un nouveau."
    message_en = "This code is no longer valid (expired or already used): ask for a new one."


class CodeNotSent(DmpError):
    code = "code_not_sent"
    status = 409
    fhir_code = "conflict"
    message_fr = "Choisissez d'abord comment recevoir votre code (e-mail ou SMS)."
    message_en = "First choose how to receive your code (e-mail or SMS)."


class TooManyCodes(DmpError):
    code = "too_many_codes"
    status = 429
    fhir_code = "throttled"
    message_fr = "Trop de codes envoyés pour cette demande : recommencez la connexion."
    message_en = "Too many codes sent for this request: start the login again."


class TemporaryPasswordSpent(DmpError):
    code = "temporary_password_spent"
    status = 403
    fhir_code = "forbidden"
    message_fr = (
        "Ce mot de passe provisoire a déjà servi et n'a pas été remplacé : demandez-en un "
        "nouveau à l'assistance (DMP Info Service)."
    )
    message_en = "This temporary password was already used: ask support for a new one."


class WeakPassword(InvalidInput):
    code = "password_refused"
    message_fr = "Mot de passe refusé : {detail}"
    message_en = "Password refused ({problems})."


class CurrentPasswordIncorrect(Unauthenticated):
    code = "current_password_incorrect"
    message_fr = "Le mot de passe actuel est incorrect."
    message_en = "The current password is wrong."


class NotSignedIn(Unauthenticated):
    code = "not_signed_in"
    message_fr = "Vous n'êtes pas connecté : identifiez-vous."
    message_en = "You are not signed in."


class SessionExpired(Unauthenticated):
    code = "session_expired"
    message_fr = "Votre session a expiré ou a été fermée : reconnectez-vous."
    message_en = "Your session expired or was closed: sign in again."


class PasswordChangeRequired(DmpError):
    code = "password_change_required"
    status = 403
    fhir_code = "forbidden"
    message_fr = "Remplacez d'abord votre mot de passe provisoire."
    message_en = "Replace your temporary password first."


class CsrfRefused(DmpError):
    code = "csrf_refused"
    status = 403
    fhir_code = "forbidden"
    message_fr = "Formulaire expiré ou d'origine inconnue : rechargez la page et recommencez."
    message_en = "Missing or wrong anti-forgery (CSRF) token."


class WrongPortal(DmpError):
    code = "wrong_portal"
    status = 403
    fhir_code = "forbidden"
    message_fr = "Cette fonction est réservée aux {audience}."
    message_en = "This function is reserved to {audience}."


class AccountNotFound(DmpError):
    code = "account_not_found"
    status = 404
    fhir_code = "not-found"
    message_fr = "Aucun compte ne correspond ({detail})."
    message_en = "No account matches ({detail})."


class AccountAlreadyExists(DmpError):
    code = "account_already_exists"
    status = 409
    fhir_code = "conflict"
    message_fr = "Un compte existe déjà pour {detail}."
    message_en = "An account already exists for {detail}."


class PasskeyRefused(Unauthenticated):
    code = "passkey_refused"
    message_fr = "La clé d'accès n'a pas pu être vérifiée : réessayez ou utilisez un code."
    message_en = "The passkey could not be verified: try again or use a code."


class NoPasskey(DmpError):
    code = "no_passkey"
    status = 409
    fhir_code = "conflict"
    message_fr = "Aucune clé d'accès n'est enregistrée pour ce compte : utilisez un code."
    message_en = "No passkey is enrolled for this account: use a code."


class PasskeyNotStarted(DmpError):
    code = "passkey_not_started"
    status = 409
    fhir_code = "conflict"
    message_fr = "Demandez d'abord les options de la clé d'accès, puis présentez-la."
    message_en = "Ask for the passkey options first, then present the passkey."
