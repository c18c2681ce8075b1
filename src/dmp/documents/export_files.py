"""The files of a dossier's download besides the documents themselves: a page a person
can open in any browser (``index.html``), the metadata as a FHIR R4 Bundle for another
system, and the names under which every document is stored in the archive.

Pure: the export service passes what it read; nothing here touches the database.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from dmp.documents.schemas import AuthorKind, DocumentOut
from dmp.policy import DocumentStatus
from dmp.reference import document_types, patient_categories, professions

_ZONE = ZoneInfo("Europe/Paris")
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/plain": ".txt",
    "text/xml": ".xml",
    "application/xml": ".xml",
    "application/hl7-v3+xml": ".xml",
}
CLASS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
VISIBILITY_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
    "TRE-A07-StatutVisibiliteDocument"
)
INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
STATUS_WORDS = {
    DocumentStatus.APPROVED: "en vigueur",
    DocumentStatus.ARCHIVED: "archivé",
    DocumentStatus.DEPRECATED: "remplacé",
    DocumentStatus.DELETED: "supprimé",
}


@dataclass(frozen=True, slots=True)
class ExportedDocument:
    document: DocumentOut
    path: str  # inside the archive


def extension_of(mime: str) -> str:
    return _EXTENSIONS.get(mime.split(";")[0].strip().lower(), ".bin")


def slug(text: str, *, limit: int = 60) -> str:
    """A file name anyone's system accepts: ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    return words[:limit].rstrip("-") or "document"


def archive_path(index: int, document: DocumentOut) -> str:
    return f"documents/{index:04d}-{slug(document.title)}{extension_of(document.mime)}"


def _day(moment: datetime | None) -> str:
    return moment.astimezone(_ZONE).strftime("%d/%m/%Y") if moment else ""


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def author_words(document: DocumentOut) -> str:
    author = document.author
    if author.kind is AuthorKind.PATIENT:
        return "Vous-même" if author.name == "Titulaire" else author.name
    parts = [author.name]
    profession = professions().get(author.profession or "")
    if profession:
        parts.append(profession.lower())
    if author.structure_name:
        parts.append(author.structure_name)
    return ", ".join(parts)


def index_html(
    *,
    holder_name: str,
    birth_date: str,
    exported_at: datetime,
    documents: Sequence[ExportedDocument],
) -> str:
    """One page, no script, no external resource: readable offline, printable."""
    by_category: dict[str, list[ExportedDocument]] = {name: [] for name in patient_categories()}
    for item in documents:
        by_category.setdefault(item.document.patient_category, []).append(item)
    sections = []
    for category, items in by_category.items():
        if not items:
            continue
        rows = "".join(
            "<tr>"
            f"<td>{escape(_day(i.document.creation_time))}</td>"
            f'<td><a href="{escape(i.path)}">{escape(i.document.title)}</a></td>'
            f"<td>{escape(i.document.type_display)}</td>"
            f"<td>{escape(author_words(i.document))}</td>"
            f"<td>{escape(STATUS_WORDS[i.document.status])}</td>"
            "</tr>"
            for i in items
        )
        sections.append(
            f"<h2>{escape(category)} ({len(items)})</h2>"
            "<table><thead><tr><th>Date</th><th>Document</th><th>Type</th><th>Auteur</th>"
            f"<th>État</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    body = "".join(sections) or "<p>Votre DMP ne contient aucun document.</p>"
    when = exported_at.astimezone(_ZONE).strftime("%d/%m/%Y à %H:%M")
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Mon DMP — {escape(holder_name)}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem;"
        "line-height:1.5}table{border-collapse:collapse;width:100%}th,td{text-align:left;"
        "padding:.4rem;border-bottom:1px solid #767676;vertical-align:top}</style>"
        "</head><body><main>"
        f"<h1>Dossier Médical Partagé de {escape(holder_name)}</h1>"
        f"<p>Né(e) le {escape(birth_date)}. Copie téléchargée le {escape(when)} : "
        f"{len(documents)} document(s). Cliquez sur le titre d'un document pour l'ouvrir.</p>"
        "<p>Le fichier <code>metadonnees/bundle-fhir.json</code> décrit les mêmes documents "
        "au format FHIR, pour un logiciel de santé.</p>"
        f"{body}</main></body></html>"
    )


def _document_reference(item: ExportedDocument) -> dict[str, Any]:
    document = item.document
    known = document_types().get(document.type_code)
    labels: list[dict[str, Any]] = [
        {"coding": [{"system": CONFIDENTIALITY_SYSTEM, "code": "N", "display": "normal"}]}
    ]
    labels += [
        {"coding": [{"system": VISIBILITY_SYSTEM, "code": code.value}]}
        for code in sorted(document.visibility)
    ]
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(document.id),
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": _uri(document.unique_id)},
        # Archived documents stay current in FHIR terms: the tag says they were put aside.
        "status": "current",
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
        "subject": {"reference": "#patient"},
        "date": _instant(document.submitted_at),
        "author": [{"display": author_words(document)}],
        "securityLabel": labels,
        "content": [
            {
                "attachment": {
                    "contentType": document.mime,
                    "language": document.language,
                    "url": item.path,
                    "size": document.size,
                    "title": document.title,
                    "creation": _instant(document.creation_time),
                },
            }
        ],
        # R4's attachment.hash is SHA-1: the DMP's SHA-256 travels as an identifier.
        "identifier": [{"system": "urn:opendmp:sha256", "value": document.sha256}],
    }
    if document.status is DocumentStatus.ARCHIVED:
        resource["meta"] = {"tag": [{"system": "urn:opendmp:status", "code": "archived"}]}
    if document.service_start or document.service_end:
        period: dict[str, str] = {}
        if document.service_start:
            period["start"] = _instant(document.service_start)
        if document.service_end:
            period["end"] = _instant(document.service_end)
        resource["context"] = {"period": period}
    return resource


def _uri(unique_id: str) -> str:
    # An OID root (digits and dots) becomes urn:oid:; root^extension and others stay opaque.
    if re.fullmatch(r"[0-2](\.\d+)+", unique_id):
        return f"urn:oid:{unique_id}"
    return "urn:opendmp:unique-id:" + base64.urlsafe_b64encode(unique_id.encode()).decode()


def metadata_bundle(
    *, identity: dict[str, Any], exported_at: datetime, documents: Sequence[ExportedDocument]
) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle: the patient, then one DocumentReference per file.
    Each DocumentReference contains the patient it refers to, so it reads on its own."""
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [{"system": INS_NIR_SYSTEM, "value": str(identity.get("nir", ""))}],
        "name": [
            {
                "family": str(identity.get("family_name", "")),
                "given": str(identity.get("given_names", "")).split(),
            }
        ],
    }
    if identity.get("birth_date"):
        patient["birthDate"] = str(identity["birth_date"])
    entries: list[dict[str, Any]] = []
    for item in documents:
        resource = _document_reference(item)
        resource["contained"] = [patient]
        entries.append({"fullUrl": f"urn:uuid:{item.document.id}", "resource": resource})
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(exported_at),
        "entry": entries,
    }
