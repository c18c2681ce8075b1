"""A document version seen as an MHD/PDSm DocumentReference (what ITI-67 and reads return).

Statuses (XDS availabilityStatus → FHIR): approved and archived are ``current`` (archived
carries PDSm's is-archived extension), deprecated is ``superseded`` (it was replaced),
deleted is ``entered-in-error``. ``date`` is when the reference entered the DMP (R4:
"when this document reference was created"); the document's own date is
``content.attachment.creation``. The content is at ``content.attachment.url``.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from dmp.documents.schemas import AuthorKind, DocumentOut
from dmp.fhir.codes import (
    CLASS_SYSTEM,
    CONFIDENTIALITY_SYSTEM,
    FORMAT_SYSTEM,
    IDNAT_PS_SYSTEM,
    IDNAT_STRUCT_SYSTEM,
    IS_ARCHIVED_EXTENSION,
    PRACTICE_SETTING_SYSTEM,
    PROFESSION_SYSTEM,
    URI_SYSTEM,
    VISIBILITY_SYSTEM,
    extension_url,
)
from dmp.fhir.ids import document_id, patient_reference
from dmp.policy import DocumentStatus, Obligation
from dmp.reference import document_types, professions

FHIR_STATUS = {
    DocumentStatus.APPROVED: "current",
    DocumentStatus.ARCHIVED: "current",
    DocumentStatus.DEPRECATED: "superseded",
    DocumentStatus.DELETED: "entered-in-error",
}
_OID = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")


def instant(value: datetime) -> str:
    return value.isoformat()


def master_identifier(unique_id: str) -> dict[str, str]:
    """XDS uniqueIds are raw OIDs ("1.2.250…", with "^extension" for a CDA's id) or
    UUIDs; FHIR wants them as URIs when they are ones."""
    if _OID.match(unique_id):
        return {"system": URI_SYSTEM, "value": f"urn:oid:{unique_id}"}
    if "." in unique_id:  # never in a UUID's spellings; a CDA's "<OID>^<extension>"
        return {"value": unique_id}
    try:
        return {"system": URI_SYSTEM, "value": uuid.UUID(unique_id).urn}
    except ValueError:
        return {"value": unique_id}


def unique_id_of(value: str) -> str:
    """The inverse of ``master_identifier``: the XDS form of a FHIR masterIdentifier."""
    for prefix in ("urn:oid:", "urn:uuid:"):
        if value.lower().startswith(prefix):
            rest = value[len(prefix) :]
            if prefix == "urn:oid:" and _OID.match(rest):
                return rest
            if prefix == "urn:uuid:":
                try:
                    return str(uuid.UUID(rest))
                except ValueError:
                    return value
    return value


def _author(document: DocumentOut, base_url: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """(author references, contained resources). A professional author is described by a
    contained Practitioner (national id, name, profession) and its structure."""
    author = document.author
    if author.kind is AuthorKind.PATIENT:
        return [{"reference": patient_reference(document.dossier_id), "display": author.name}], []
    if author.kind is AuthorKind.FEED:
        return [{"display": author.name}], []
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": "author",
        "identifier": [{"system": IDNAT_PS_SYSTEM, "value": author.id}],
        "name": [{"text": author.name}],
    }
    if author.profession:
        practitioner["qualification"] = [
            {
                "code": {
                    "coding": [
                        {
                            "system": PROFESSION_SYSTEM,
                            "code": author.profession,
                            "display": professions().get(author.profession, author.profession),
                        }
                    ]
                }
            }
        ]
    contained: list[Any] = [practitioner]
    references: list[dict[str, Any]] = [{"reference": "#author", "display": author.name}]
    if author.structure_id or author.structure_name:
        organization: dict[str, Any] = {"resourceType": "Organization", "id": "author-org"}
        if author.structure_id:
            organization["identifier"] = [
                {"system": IDNAT_STRUCT_SYSTEM, "value": author.structure_id}
            ]
        if author.structure_name:
            organization["name"] = author.structure_name
        contained.append(organization)
        references.append({"reference": "#author-org"})
    return references, contained


def document_reference(document: DocumentOut, *, base_url: str) -> dict[str, Any]:
    fhir_id = document_id(document.dossier_id, document.id)
    known = document_types().get(document.type_code)
    authors, contained = _author(document, base_url)
    labels: list[dict[str, Any]] = [
        {"coding": [{"system": CONFIDENTIALITY_SYSTEM, "code": "N", "display": "normal"}]}
    ]
    labels += [
        {"coding": [{"system": VISIBILITY_SYSTEM, "code": code.value}]}
        for code in sorted(document.visibility)
    ]
    attachment: dict[str, Any] = {
        "contentType": document.mime,
        "language": document.language,
        "url": f"{base_url}/fhir/Binary/{fhir_id}",
        "size": document.size,
        "title": document.title,
        "creation": instant(document.creation_time),
    }
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": fhir_id,
        "meta": {
            "versionId": str(document.metadata_version),
            "lastUpdated": instant(document.updated_at),
        },
        "extension": [
            {
                "url": IS_ARCHIVED_EXTENSION,
                "valueBoolean": document.status is DocumentStatus.ARCHIVED,
            },
            {
                # R4's attachment.hash is SHA-1; the DMP keeps SHA-256 (also the ETag).
                "url": extension_url(base_url, "content-sha256"),
                "valueString": document.sha256,
            },
        ],
        "masterIdentifier": master_identifier(document.unique_id),
        "identifier": [{"use": "official", "system": URI_SYSTEM, "value": document.id.urn}],
        "status": FHIR_STATUS[document.status],
        "type": {
            "coding": [
                {
                    "system": known.system if known else "http://loinc.org",
                    "code": document.type_code,
                    "display": document.type_display,
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": CLASS_SYSTEM,
                        "code": document.class_code,
                        "display": document.class_display,
                    }
                ]
            }
        ],
        "subject": {"reference": patient_reference(document.dossier_id)},
        "date": instant(document.submitted_at),
        "author": authors,
        "securityLabel": labels,
        "content": [
            {
                "attachment": attachment,
                "format": {"system": FORMAT_SYSTEM, "code": document.format_code},
            }
        ],
    }
    if contained:
        resource["contained"] = contained
    context: dict[str, Any] = {}
    if document.service_start or document.service_end:
        period = {}
        if document.service_start:
            period["start"] = instant(document.service_start)
        if document.service_end:
            period["end"] = instant(document.service_end)
        context["period"] = period
    if document.practice_setting:
        context["practiceSetting"] = {
            "coding": [{"system": PRACTICE_SETTING_SYSTEM, "code": document.practice_setting}]
        }
    if context:
        resource["context"] = context
    if document.replaces_id:
        replaced = document_id(document.dossier_id, document.replaces_id)
        resource["relatesTo"] = [
            {"code": "replaces", "target": {"reference": f"DocumentReference/{replaced}"}}
        ]
    return resource


OBLIGATION_TEXT = {
    Obligation.NOTIFY_PATIENT: (
        "Le patient est informé de cet accès.",
        "The patient is notified of this access.",
    ),
    Obligation.BREAK_GLASS_BANNER: (
        "Accès en urgence (bris de glace ou régulation) : à signaler à l'utilisateur.",
        "Emergency access (break-glass or regulation): show it to the user.",
    ),
    Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES: (
        "Document non visible des représentants légaux : à signaler.",
        "Document hidden from the legal representatives: show the marker.",
    ),
}


def obligation_issues(obligations: frozenset[Obligation]) -> list[dict[str, Any]]:
    """What the caller's software must honour, as informational issues (the trace is
    the server's own business and is not listed)."""
    return [
        {
            "severity": "information",
            "code": "informational",
            "details": {
                "coding": [{"system": "urn:opendmp:obligation", "code": item.value}],
                "text": OBLIGATION_TEXT[item][0],
            },
            "diagnostics": OBLIGATION_TEXT[item][1],
        }
        for item in sorted(obligations)
        if item in OBLIGATION_TEXT
    ]
