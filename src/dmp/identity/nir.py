"""The NIR (numéro d'inscription au répertoire), the INS of a French insured person.

13 characters + a 2-digit key: key = 97 − (number mod 97), where the Corsican
departments 2A and 2B count as 19 and 18 for the computation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dmp.identity.errors import InvalidNir

INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
INS_NIA_SYSTEM = "urn:oid:1.2.250.1.213.1.4.9"
INS_TEST_SYSTEM = "urn:oid:1.2.250.1.213.1.4.10"
INS_DEMO_SYSTEM = "urn:oid:1.2.250.1.213.1.4.11"

_SHAPE = re.compile(r"^[12378]\d{4}(?:\d{2}|2A|2B)\d{6}$")
_SEPARATORS = re.compile(r"[\s.\-]")


def nir_key(body: str) -> int:
    """The 2-digit control key of a 13-character NIR body."""
    number = body.upper().replace("2A", "19", 1) if body[5:7].upper() == "2A" else body
    if body[5:7].upper() == "2B":
        number = body[:5] + "18" + body[7:]
    elif body[5:7].upper() == "2A":
        number = body[:5] + "19" + body[7:]
    return 97 - (int(number) % 97)


@dataclass(frozen=True, slots=True)
class Nir:
    value: str  # 15 characters, upper case, no separators

    @property
    def body(self) -> str:
        return self.value[:13]

    @property
    def sex(self) -> str:
        return {"1": "male", "2": "female"}.get(self.value[0], "unknown")

    def __str__(self) -> str:
        return self.value


def parse_nir(raw: str) -> Nir:
    """Accepts the 15 characters as printed on the Vitale card, spaces allowed."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidNir(detail="le NIR est vide", reason="empty")
    value = _SEPARATORS.sub("", raw).upper()
    if len(value) != 15:
        raise InvalidNir(
            detail=f"{len(value)} caractères au lieu de 15 (13 + clé de 2 chiffres)",
            reason="length",
        )
    body, key = value[:13], value[13:]
    if not key.isdigit():
        raise InvalidNir(detail="la clé doit être composée de 2 chiffres", reason="key_format")
    if not _SHAPE.match(body):
        raise InvalidNir(
            detail="format incorrect (sexe 1/2/3/7/8, puis chiffres ; département 2A/2B admis)",
            reason="format",
        )
    expected = nir_key(body)
    if int(key) != expected:
        raise InvalidNir(detail=f"clé de contrôle incorrecte ({key})", reason="key_mismatch")
    return Nir(value)
