"""An ITI-65 DocumentReference (with its Binary) → what the documents service takes.

The author is never read from the resource: the CPS-signed assertion says who deposits,
and a Practitioner or PractitionerRole in the bundle only describes them. Every problem
is raised as a refusal naming the element (``path``), so that a bundle's refusals can be
listed together.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError

from dmp.documents.schemas import DocumentIn
from dmp.errors import DmpError
from dmp.fhir.codes import (
    CLASS_SYSTEM,
    CONFIDENTIALITY_SYSTEM,
    INS_SYSTEMS,
    VISIBILITY_SYSTEMS,
)
from dmp.fhir.errors import InvalidElement, RequiredElement, UnknownPatient, UnsupportedElement
from dmp.fhir.ids import parse_document_id
from dmp.fhir.inline_content import DecodedBase64
from dmp.fhir.mappers.document_reference import unique_id_of
from dmp.fhir.search_params import PARIS
from dmp.policy import Visibility
from dmp.reference import document_types

_SHA1_BYTES = 20


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a resource is about: a dossier id, or an INS to look up."""

    dossier_id: uuid.UUID | None = None
    nir: str | None = None

    @property
    def key(self) -> str:
        return str(self.dossier_id) if self.dossier_id else f"ins:{self.nir}"


@dataclass(frozen=True, slots=True)
class Deposit:
    """One document of a bundle, ready for the documents service."""

    path: str
    subject: Subject
    upload: DocumentIn
    content: bytes
    replaces: tuple[uuid.UUID, uuid.UUID] | None  # (dossier id, version id)
    binary_url: str | None  # the Binary of the bundle holding the content, if any


def invalid(path: str, fr: str, en: str) -> InvalidElement:
    return InvalidElement(path=path, detail=fr, detail_en=en)


def required(path: str, fr: str, en: str) -> RequiredElement:
    return RequiredElement(path=path, detail=fr, detail_en=en)


def fhir_datetime(value: str | None, path: str) -> datetime | None:
    """A FHIR date or dateTime as an aware datetime (zoneless or date-only values are
    read in Europe/Paris)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.min, PARIS)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(path, f"date illisible « {value} »", f"unreadable date '{value}'") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


def subject_of(reference: dict[str, Any] | None, path: str) -> Subject:
    """``Patient/<id>`` (the id the INS lookup returns) or a logical reference by INS."""
    if not reference:
        raise required(path, "le patient concerné", "the patient the document is about")
    identifier = reference.get("identifier")
    if identifier and not reference.get("reference"):
        if identifier.get("system") not in INS_SYSTEMS or not identifier.get("value"):
            raise invalid(
                f"{path}.identifier",
                f"identifiant INS attendu (système {INS_SYSTEMS[0]})",
                f"an INS identifier is expected (system {INS_SYSTEMS[0]})",
            )
        return Subject(nir=str(identifier["value"]))
    target = str(reference.get("reference") or "")
    kind, _, raw_id = target.rstrip("/").rpartition("/")
    if not kind.endswith("Patient"):
        raise invalid(path, "une référence Patient/<id> est attendue", "Patient/<id> expected")
    try:
        return Subject(dossier_id=uuid.UUID(raw_id))
    except ValueError:
        raise UnknownPatient(path=path, reference=target) from None


def _type_code(resource: dict[str, Any], path: str) -> str:
    codings = (resource.get("type") or {}).get("coding") or []
    if not codings:
        raise required(f"{path}.type", "type de document (typeCode)", "document type (typeCode)")
    types = document_types()
    for coding in codings:
        known = types.get(str(coding.get("code")))
        if known is not None:
            if coding.get("system") not in (None, known.system):
                raise invalid(
                    f"{path}.type",
                    f"le code {known.code} appartient au système {known.system}",
                    f"code {known.code} belongs to system {known.system}",
                )
            return known.code
    # Unknown: the documents service refuses it with the list of accepted types.
    return str(codings[0].get("code") or "")


def _class_code(resource: dict[str, Any]) -> str | None:
    for concept in resource.get("category") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") in (None, CLASS_SYSTEM) and coding.get("code"):
                return str(coding["code"])
    return None


def visibility_of(labels: list[dict[str, Any]], path: str) -> frozenset[Visibility] | None:
    """TRE_A07 codes, or None when none is sent (a replacement then keeps the replaced
    version's codes: a replacement never unmasks by omission). ``N`` is always implied;
    R and V have no meaning in the DMP and are refused rather than dropped."""
    codes: set[Visibility] = set()
    for index, concept in enumerate(labels):
        for coding in concept.get("coding") or []:
            system, code = coding.get("system"), coding.get("code")
            if code == "N" and system in (CONFIDENTIALITY_SYSTEM, *VISIBILITY_SYSTEMS, None):
                continue
            if system in VISIBILITY_SYSTEMS and code in Visibility.__members__:
                codes.add(Visibility(code))
                continue
            raise UnsupportedElement(
                path=f"{path}.securityLabel[{index}]",
                detail=f"code de confidentialité « {system}|{code} » non pris en charge par "
                "le DMP (N, MASQUE_PS, INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX)",
                detail_en=f"confidentiality code '{system}|{code}' is not supported by the DMP "
                "(N, MASQUE_PS, INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX)",
            )
    return frozenset(codes) if codes else None


def _replaces(resource: dict[str, Any], path: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    found = None
    for index, relation in enumerate(resource.get("relatesTo") or []):
        where = f"{path}.relatesTo[{index}]"
        if relation.get("code") != "replaces":
            raise UnsupportedElement(
                path=where,
                detail=f"relation « {relation.get('code')} » non prise en charge (replaces)",
                detail_en=f"relation '{relation.get('code')}' is not supported (replaces)",
            )
        target = str((relation.get("target") or {}).get("reference") or "")
        kind, _, raw = target.rstrip("/").rpartition("/")
        if not kind.endswith("DocumentReference") or found is not None:
            raise invalid(
                where,
                "une seule cible DocumentReference/<id> est attendue",
                "one DocumentReference/<id> target is expected",
            )
        found = parse_document_id(raw)
    return found


def _checked_content(attachment: dict[str, Any], data: bytes, path: str) -> str | None:
    """Checks size and hash as declared; returns a SHA-256 for the service to check.
    R4 defines attachment.hash as SHA-1 (checked here); a SHA-256 is passed on."""
    size = attachment.get("size")
    if size is not None and int(size) != len(data):
        raise invalid(
            f"{path}.size",
            f"taille déclarée {size} octets, contenu reçu {len(data)} octets",
            f"declared size {size} bytes, received content {len(data)} bytes",
        )
    declared = attachment.get("hash")
    if not declared:
        return None
    try:
        digest = base64.b64decode(str(declared), validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"{path}.hash", "base64 illisible", "unreadable base64") from None
    if len(digest) == _SHA1_BYTES:
        # SHA-1 only because R4 defines attachment.hash so; never used to identify anything.
        computed = hashlib.sha1(data, usedforsecurity=False).digest()
        if computed != digest:
            raise invalid(
                f"{path}.hash",
                f"empreinte SHA-1 déclarée {declared}, celle du contenu reçu est "
                f"{base64.b64encode(computed).decode()} : le document a pu être altéré",
                f"declared SHA-1 {declared}, the received content's is "
                f"{base64.b64encode(computed).decode()}: the document may have been altered",
            )
        return None
    return str(declared)


def content_of(
    resource: dict[str, Any], path: str, binaries: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], bytes, str | None]:
    """The one attachment and its bytes: inline ``data`` or a Binary of the bundle."""
    contents = resource.get("content") or []
    if len(contents) != 1:
        raise invalid(
            f"{path}.content",
            "un DocumentReference décrit exactement un contenu",
            "a DocumentReference describes exactly one content",
        )
    attachment = contents[0].get("attachment") or {}
    where = f"{path}.content[0].attachment"
    if not attachment.get("contentType"):
        raise required(f"{where}.contentType", "type MIME du document", "the document's MIME type")
    encoded = attachment.get("data")
    url = None
    if encoded is None:
        url = attachment.get("url")
        binary = binaries.get(str(url)) if url else None
        if binary is None:
            raise required(
                f"{where}.url",
                f"data, ou url désignant un Binary du Bundle (reçu : {url!r})",
                f"data, or url naming a Binary of the Bundle (got {url!r})",
            )
        if binary.get("contentType") not in (None, attachment["contentType"]):
            raise invalid(
                f"{where}.contentType",
                f"le Binary annonce {binary.get('contentType')}",
                f"the Binary says {binary.get('contentType')}",
            )
        encoded = binary.get("data")
    if not encoded:
        raise required(f"{where}.data", "le contenu du document", "the document's content")
    if isinstance(encoded, DecodedBase64):  # decoded before validation (fhir.inline_content)
        return attachment, encoded.decoded, str(url) if url else None
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"{where}.data", "base64 illisible", "unreadable base64") from None
    return attachment, data, str(url) if url else None


def deposit_of(resource: dict[str, Any], path: str, binaries: dict[str, dict[str, Any]]) -> Deposit:
    if resource.get("status") != "current":
        raise invalid(
            f"{path}.status",
            "un document déposé a le statut current",
            "a deposited document has status current",
        )
    subject = subject_of(resource.get("subject"), f"{path}.subject")
    type_code = _type_code(resource, path)
    attachment, data, binary_url = content_of(resource, path, binaries)
    where = f"{path}.content[0].attachment"
    sha256 = _checked_content(attachment, data, where)
    context = resource.get("context") or {}
    period = context.get("period") or {}
    setting = ((context.get("practiceSetting") or {}).get("coding") or [{}])[0].get("code")
    master = (resource.get("masterIdentifier") or {}).get("value")
    try:
        upload = DocumentIn(
            type_code=type_code,
            class_code=_class_code(resource),
            mime=attachment["contentType"],
            title=attachment.get("title") or resource.get("description"),
            creation_time=fhir_datetime(
                attachment.get("creation") or resource.get("date"), f"{where}.creation"
            ),
            service_start=fhir_datetime(period.get("start"), f"{path}.context.period.start"),
            service_end=fhir_datetime(period.get("end"), f"{path}.context.period.end"),
            unique_id=unique_id_of(str(master)) if master else None,
            practice_setting=setting,
            language=attachment.get("language"),
            visibility=visibility_of(resource.get("securityLabel") or [], path),
            sha256=sha256,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "DocumentReference"
        raise invalid(path, f"{field} : {first['msg']}", f"{field}: {first['msg']}") from None
    return Deposit(path, subject, upload, data, _replaces(resource, path), binary_url)


def refusal_path(error: DmpError) -> str | None:
    path = error.fields.get("path")
    return str(path) if path else None
