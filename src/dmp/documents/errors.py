"""Refusals of document contents. Each has a stable code that clients can act on and says
precisely what is wrong; ``detail`` is French, ``detail_en`` its English counterpart."""

from __future__ import annotations

from dmp.errors import InvalidInput, TooLarge, UnsupportedMediaType

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
