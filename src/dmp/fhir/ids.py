"""Logical ids of FHIR resources. Every dossier-scoped row is found by its dossier first
(the leading key of every index, and the distribution key on Citus), so a document's id
carries both: 32 hex digits of the dossier, then 32 of the document version (64
characters, the longest id FHIR allows). Ids are opaque to clients."""

from __future__ import annotations

import re
import uuid

from dmp.fhir.errors import InvalidElement, ResourceNotFound

_DOCUMENT_ID = re.compile(r"^[0-9a-f]{64}$")


def document_id(dossier_id: uuid.UUID, version_id: uuid.UUID) -> str:
    return dossier_id.hex + version_id.hex


def parse_document_id(
    value: str, resource_type: str = "DocumentReference"
) -> tuple[uuid.UUID, uuid.UUID]:
    """(dossier id, document version id); an id of another shape names nothing here."""
    if not _DOCUMENT_ID.match(value):
        raise ResourceNotFound(resource_type=resource_type, id=value[:80])
    return uuid.UUID(hex=value[:32]), uuid.UUID(hex=value[32:])


def parse_patient_id(value: str, *, path: str = "Patient") -> uuid.UUID:
    """A Patient's id is its dossier's id. ``Patient/<id>``, an absolute URL ending with
    it, or the bare id are accepted."""
    raw = value.rstrip("/").rsplit("/", 1)[-1] if "/" in value else value
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidElement(
            path=path,
            detail=f"« {value[:80]} » n'est pas un identifiant de patient de ce serveur",
            detail_en=f"'{value[:80]}' is not a patient id of this server",
        ) from None


def patient_reference(dossier_id: uuid.UUID) -> str:
    return f"Patient/{dossier_id}"


def patient_id_in_path(value: str) -> uuid.UUID:
    """A Patient id in a URL: one of another shape names no patient here (404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ResourceNotFound(resource_type="Patient", id=value[:80]) from None
