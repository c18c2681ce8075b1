"""Refusals of document contents. Each has a stable code that clients can act on and says
precisely what is wrong; ``detail`` is French, ``detail_en`` its English counterpart."""

from __future__ import annotations

from dmp.errors import (
    BusinessRule,
    Conflict,
    DmpError,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
)

ACCEPTED_FORMATS_FR = "PDF, CDA R2 (XML), texte brut UTF-8, JPEG, PNG"
ACCEPTED_FORMATS_EN = "PDF, CDA R2 (XML), UTF-8 plain text, JPEG, PNG"


class DocumentTooLarge(TooLarge):
    code = "document_too_large"
    message_fr = "Document trop volumineux : {size} octets pour un maximum de {limit}."
    message_en = "Document too large: {size} bytes, the limit is {limit}."


class UnsupportedFormat(UnsupportedMediaType):
    code = "unsupported_format"
    message_fr = "Format non accepté : « {mime} ». Formats acceptés : " + ACCEPTED_FORMATS_FR + "."
    message_en = "Unsupported format: '{mime}'. Accepted formats: " + ACCEPTED_FORMATS_EN + "."


class ContentTypeMismatch(UnsupportedMediaType):
    code = "content_type_mismatch"
    message_fr = "Le contenu ne correspond pas au type déclaré « {declared} » : {detail}."
    message_en = "The content does not match the declared type '{declared}': {detail_en}."


class MalformedContent(UnsupportedMediaType):
    code = "malformed_content"
    message_fr = "Contenu « {mime} » invalide : {detail}."
    message_en = "Invalid '{mime}' content: {detail_en}."


class UnsafeXml(UnsupportedMediaType):
    """DOCTYPE declarations (and so entities, the vector of XXE and "billion laughs")
    are refused outright: a CDA R2 document never needs them."""

    code = "unsafe_xml"
    message_fr = "XML refusé : {detail}. Les déclarations DOCTYPE et les entités sont interdites."
    message_en = "XML refused: {detail_en}. DOCTYPE declarations and entities are forbidden."


class NotACda(UnsupportedMediaType):
    code = "not_a_cda"
    message_fr = "Le document XML n'est pas un CDA R2 accepté : {detail}."
    message_en = "The XML document is not an accepted CDA R2 document: {detail_en}."


class InvalidHash(InvalidInput):
    code = "invalid_hash"
    message_fr = "Empreinte SHA-256 illisible : « {value} » (64 chiffres hexadécimaux attendus)."
    message_en = "Unreadable SHA-256 hash: '{value}' (64 hexadecimal digits expected)."


class HashMismatch(InvalidInput):
    code = "hash_mismatch"
    message_fr = (
        "L'empreinte SHA-256 déclarée ({declared}) ne correspond pas au contenu reçu "
        "({computed}) : le document a pu être altéré pendant l'envoi."
    )
    message_en = (
        "The declared SHA-256 hash ({declared}) does not match the received content "
        "({computed}): the document may have been altered in transit."
    )


# -- metadata and lifecycle refusals (the documents service) ------------------------------


class UnknownTypeCode(InvalidInput):
    """``valid`` lists every accepted code, so a client can correct itself."""

    code = "unknown_type_code"
    message_fr = "Type de document inconnu « {type_code} ». Types acceptés : {valid_list}."
    message_en = "Unknown document type '{type_code}'. Accepted types: {valid_list}."


class UnknownClassCode(InvalidInput):
    code = "unknown_class_code"
    message_fr = "Classe de document inconnue « {class_code} ». Classes acceptées : {valid_list}."
    message_en = "Unknown document class '{class_code}'. Accepted classes: {valid_list}."


class ClassTypeMismatch(InvalidInput):
    code = "class_type_mismatch"
    message_fr = (
        "La classe « {class_code} » ne correspond pas au type « {type_code} », "
        "dont la classe est « {expected} »."
    )
    message_en = (
        "Class '{class_code}' does not match type '{type_code}', whose class is '{expected}'."
    )


class CdaMetadataMismatch(InvalidInput):
    code = "cda_metadata_mismatch"
    message_fr = (
        "Les métadonnées ne correspondent pas à l'en-tête du CDA : {field} déclaré "
        "« {declared} », le document indique « {found} »."
    )
    message_en = (
        "The metadata does not match the CDA header: {field} declared '{declared}', "
        "the document says '{found}'."
    )


class MissingMetadata(InvalidInput):
    code = "missing_metadata"
    message_fr = "Métadonnée obligatoire absente : {field}."
    message_en = "Required metadata missing: {field}."


class CreationTimeInFuture(InvalidInput):
    code = "creation_time_in_future"
    message_fr = "La date de création du document ({creation_time}) est dans le futur."
    message_en = "The document's creation time ({creation_time}) is in the future."


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_fr = "Document introuvable dans ce DMP."
    message_en = "No such document in this DMP."


class DocumentAlreadyExists(Conflict):
    code = "document_already_exists"
    message_fr = "Un document portant l'identifiant unique « {unique_id} » existe déjà dans ce DMP."
    message_en = "A document with unique id '{unique_id}' already exists in this DMP."


class DocumentNotCurrent(BusinessRule):
    code = "document_not_current"
    message_fr = "Ce document n'est pas la version en vigueur (statut : {status})."
    message_en = "This document is not the current version (status: {status})."


class ArchiveRefused(BusinessRule):
    code = "archive_refused"
    message_fr = "Opération impossible sur un document au statut {status} : {detail}."
    message_en = "Not possible on a document whose status is {status}: {detail_en}."


class VisibilityConflict(BusinessRule):
    code = "visibility_conflict"
    message_fr = (
        "Un document ne peut pas être à la fois invisible au patient et masqué aux professionnels."
    )
    message_en = "A document cannot be both invisible to the patient and masked to professionals."


class Unmaskable(BusinessRule):
    code = "unmaskable"
    message_fr = (
        "Les données de remboursement (classe 60) ne peuvent être ni masquées ni rendues "
        "invisibles."
    )
    message_en = "Reimbursement data (class 60) can be neither masked nor made invisible."


class VisibilityNotAllowed(BusinessRule):
    code = "visibility_not_allowed"
    message_fr = "Ce déposant ne peut pas poser le code de confidentialité {visibility}."
    message_en = "This depositor cannot set the confidentiality code {visibility}."


class SelectionsArePersonal(BusinessRule):
    code = "selections_are_personal"
    message_fr = "« Mes sélections » n'appartient qu'au patient et à ses représentants légaux."
    message_en = "'My selections' belong to the patient and their legal representatives only."


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
    message_fr = "Curseur de pagination invalide."
    message_en = "Invalid pagination cursor."


class ContentUnavailable(DmpError):
    """The row exists but its content cannot be read back: an integrity fault, not a
    refusal (the blob is missing or does not authenticate)."""

    code = "document_content_unavailable"
    status = 500
    fhir_code = "exception"
    message_fr = "Le contenu du document est indisponible ; l'exploitant a été alerté."
    message_en = "The document's content is unavailable; the operator has been alerted."


class InvalidSidecar(InvalidInput):
    code = "invalid_sidecar"
    message_fr = "Fichier de métadonnées {file} invalide : {detail}."
    message_en = "Invalid metadata file {file}: {detail}."


class ConcurrentDeposit(Conflict):
    """Two deposits raced for the same unique id, or two replacements of one version."""

    code = "concurrent_deposit"
    message_fr = "Un autre dépôt vient de modifier ce document ou d'utiliser cet identifiant."
    message_en = "Another deposit has just changed this document or used this identifier."
