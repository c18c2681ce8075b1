"""A Provide bundle's documents, decoded from base64 once.

The bundle is validated with the fhir.resources models, which decode every
``base64Binary`` to check it (and keep the bytes), before the mapper decodes the same
text again, strictly, to store it: for a 100 KiB document, two decodes of 137 KB and a
model holding a copy, on every deposit. Here each ``Binary.data`` and each inline
``attachment.data`` that decodes strictly is decoded once, before validation: the models
validate a short stand-in instead (a value that decodes strictly would pass their
lenient check anyway), and the bundle keeps the text as a ``DecodedBase64``, a ``str``
that carries its bytes, which ``mappers.provide.content_of`` takes. A value that does
not decode strictly is left as it was, for the models and the mapper to refuse exactly
as before (pybase64, the SIMD decoder used here, is the stricter of the two: it also
refuses padding after a complete group, which the mapper's decode then judges).
"""

from __future__ import annotations

import binascii
from typing import Any

import pybase64

_STAND_IN = "AAAA"


class DecodedBase64(str):
    """Base64 text, with its bytes (``decoded``) from a strict decode."""

    decoded: bytes


def _decoded(value: Any) -> DecodedBase64 | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        data = pybase64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    text = DecodedBase64(value)
    text.decoded = data
    return text


def _holder_for_models(holder: Any) -> Any:
    """``holder`` (a Binary or an attachment) with its ``data`` decoded in place and, for
    the models, a copy holding the stand-in; ``holder`` itself if there is nothing to do."""
    if not isinstance(holder, dict):
        return holder
    decoded = _decoded(holder.get("data"))
    if decoded is None:
        return holder
    holder["data"] = decoded
    return {**holder, "data": _STAND_IN}


def _document_reference_for_models(resource: dict[str, Any]) -> dict[str, Any]:
    contents = resource.get("content")
    if not isinstance(contents, list):
        return resource
    copies = [
        {**content, "attachment": _holder_for_models(content["attachment"])}
        if isinstance(content, dict) and "attachment" in content
        else content
        for content in contents
    ]
    return {**resource, "content": copies}


def decode_contents(bundle: dict[str, Any]) -> dict[str, Any]:
    """Decodes the bundle's document contents in place (see the module) and returns the
    copy of the bundle that the models are to validate."""
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return bundle
    copies = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind == "Binary":
            entry = {**entry, "resource": _holder_for_models(resource)}
        elif kind == "DocumentReference":
            assert isinstance(resource, dict)
            entry = {**entry, "resource": _document_reference_for_models(resource)}
        copies.append(entry)
    return {**bundle, "entry": copies}
