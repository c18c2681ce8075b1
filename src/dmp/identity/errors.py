"""Refusals of malformed identifiers; each message says what is wrong."""

from dmp.errors import InvalidInput


class InvalidNir(InvalidInput):
    code = "invalid_nir"
    message_fr = "NIR invalide : {detail}"
    message_en = "Invalid NIR: {detail}"


class InvalidNationalId(InvalidInput):
    code = "invalid_national_id"
    message_fr = "Identifiant national de professionnel invalide : {detail}"
    message_en = "Invalid national professional id: {detail}"
