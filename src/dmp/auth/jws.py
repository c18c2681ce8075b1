"""Reading a compact JWS (RFC 7515) strictly, and checking its signature.

Parsing is done here rather than by PyJWT's decoder: the x5c chain makes headers a few
kilobytes long and PyJWT validates base64 one character at a time in Python, which cost
more than the signature itself (see benchmarks/token_verification.py). The signature is
checked by PyJWT's ES256 / PS256 implementations.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from jwt.algorithms import Algorithm, get_default_algorithms

from dmp.auth.chain import SigningKey
from dmp.auth.errors import SignatureInvalid, TokenMalformed

ACCEPTED_ALGORITHMS = ("ES256", "PS256")
MAX_TOKEN_LENGTH = 32_768  # a chain of a few certificates fits; anything larger is abuse

_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm
    for name, algorithm in get_default_algorithms().items()
    if name in ACCEPTED_ALGORITHMS
}
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")  # base64url without padding (RFC 7515 §2)


@dataclass(frozen=True, slots=True)
class CompactJws:
    header: Mapping[str, Any]
    signing_input: bytes
    payload: bytes
    signature: bytes

    def verify(self, algorithm: str, key: SigningKey) -> None:
        if not _ALGORITHMS[algorithm].verify(self.signing_input, key, self.signature):
            raise SignatureInvalid()

    def claims(self) -> dict[str, Any]:
        """The payload as a JSON object; call only once the signature is verified."""
        return _json_object(self.payload, "contenu")


def _segment(value: str, name: str) -> bytes:
    if len(value) % 4 == 1 or not _SEGMENT.fullmatch(value):
        raise TokenMalformed(detail=f"{name} : base64url invalide")
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenMalformed(detail=f"{name} : base64url invalide") from exc
    # One encoding per value: stray bits in the last character would make tokens malleable.
    if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() != value:
        raise TokenMalformed(detail=f"{name} : base64url non canonique")
    return decoded


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member")
    return result


def _json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise TokenMalformed(detail=f"{name} : JSON invalide ou membres en double") from exc
    if not isinstance(value, dict):
        raise TokenMalformed(detail=f"{name} : un objet JSON est attendu")
    return value


@lru_cache(maxsize=512)
def _header(segment: str) -> Mapping[str, Any]:
    """The protected header, read-only. Memoised by its exact text: a professional's
    software signs every assertion under the same header (algorithm and x5c chain, a few
    kilobytes), and decoding, checking and parsing it again cost more than the signature
    check. A segment that fails is not memoised (``lru_cache`` keeps no exceptions); at
    most 512 are kept, under 30 MiB even if each were as long as a token may be."""
    header = _json_object(_segment(segment, "en-tête"), "en-tête")
    # No extension is understood here, so none may be declared critical (RFC 7515 §4.1.11);
    # b64=false would change what the signature covers.
    if "crit" in header or "b64" in header:
        raise TokenMalformed(detail="en-tête « crit » ou « b64 » non pris en charge")
    return MappingProxyType(header)


def parse_compact(token: object) -> CompactJws:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenMalformed(detail="jeton vide ou trop long")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenMalformed(detail="trois segments séparés par des points attendus")
    header_segment, payload_segment, signature_segment = parts
    header = _header(header_segment)
    return CompactJws(
        header=header,
        signing_input=f"{header_segment}.{payload_segment}".encode("ascii"),
        payload=_segment(payload_segment, "contenu"),
        signature=_segment(signature_segment, "signature"),
    )
