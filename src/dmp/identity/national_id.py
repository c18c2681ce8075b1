"""National professional identifiers (IdNat_PS): "8" + 11-digit RPPS, "0" + ADELI, …"""

from __future__ import annotations

import re

from dmp.identity.errors import InvalidNationalId

IDNAT_PS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
IDNAT_STRUCT_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"

_SHAPE = re.compile(r"^(0|1|3|4|5|6|8)\d*$")


def parse_national_id(raw: str) -> str:
    value = (raw or "").strip()
    if not value:
        raise InvalidNationalId(detail="identifiant vide")
    if not _SHAPE.match(value):
        raise InvalidNationalId(
            detail="doit commencer par 0, 1, 3, 4, 5, 6 ou 8 et ne contenir que des chiffres"
        )
    if value[0] == "8" and len(value) != 12:
        raise InvalidNationalId(detail='un RPPS s\'écrit "8" suivi de 11 chiffres')
    if len(value) > 20:
        raise InvalidNationalId(detail="identifiant trop long")
    return value
