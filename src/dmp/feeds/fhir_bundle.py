"""Reading a FHIR R4 patient Bundle (Synthea's, or any transaction/collection bundle of
one patient) into what the DMP keeps (pure: no I/O).

- Patient → identity and contact of the dossier; its INS from an INS identifier, or —
  for test patients without one (Synthea) — a test INS made from the Patient id.
- DocumentReference, DiagnosticReport with inline content → documents.
- ExplanationOfBenefit items (Claim items when no EOB covers the claim) → care lines.
- MedicationDispense → dispensations.
Everything else is counted by type and reason, never dropped silently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dmp.feeds.fhir_mapping import care_line_of, dispensation_kind, document_type_of
from dmp.feeds.sections import CareLine, LineRefused
from dmp.identity.nir import INS_DEMO_SYSTEM, INS_NIR_SYSTEM, INS_TEST_SYSTEM, nir_key

INS_SYSTEMS = (INS_NIR_SYSTEM, INS_TEST_SYSTEM, INS_DEMO_SYSTEM)
NOT_SUPPORTED = "type de ressource non pris en charge"


@dataclass(frozen=True, slots=True)
class PatientData:
    resource_id: str
    nir: str | None  # from an INS identifier
    family_name: str
    given_names: str
    birth_date: date | None
    sex: str
    email: str | None
    phones: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DocumentData:
    source: str  # "DocumentReference/<id>"
    type_code: str
    mime: str
    content: bytes
    created: datetime
    service_start: datetime | None
    service_end: datetime | None


@dataclass(frozen=True, slots=True)
class DispensationData:
    source: str
    dispensed_on: date
    kind: str
    product_code: str
    code_system: str
    label: str
    quantity: int


@dataclass
class BundleContent:
    patient: PatientData | None
    documents: list[DocumentData] = field(default_factory=list)
    care_lines: list[CareLine] = field(default_factory=list)  # nir left empty
    dispensations: list[DispensationData] = field(default_factory=list)
    resources: Counter[str] = field(default_factory=Counter)
    not_imported: Counter[str] = field(default_factory=Counter)  # "Type : reason" → count

    def skip(self, resource_type: str, reason: str) -> None:
        self.not_imported[f"{resource_type} : {reason}"] += 1


def derive_test_ins(patient_id: str, *, birth_date: date | None, sex: str) -> str:
    """A NIR-shaped test INS, the same for the same Patient id: sex, year and month of
    birth, "99" (born abroad), then six digits from a hash of the id, and the key."""
    seed = hashlib.sha256(b"dmp/test-ins/v1:" + patient_id.encode()).digest()
    digest = int.from_bytes(seed, "big")
    year, month = (birth_date.year % 100, birth_date.month) if birth_date else (0, 1)
    place, order = digest % 1000, digest // 1000 % 999 + 1
    body = f"{2 if sex == 'female' else 1}{year:02d}{month:02d}99{place:03d}{order:03d}"
    return f"{body}{nir_key(body):02d}"


def _date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def _instant(raw: Any) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _patient(resource: dict[str, Any]) -> PatientData:
    names = resource.get("name") or [{}]
    name = next((n for n in names if n.get("use") == "official"), names[0])
    identifiers = resource.get("identifier", [])
    nir = next((str(i.get("value")) for i in identifiers if i.get("system") in INS_SYSTEMS), None)
    telecom = resource.get("telecom", [])
    email = next((str(t.get("value")) for t in telecom if t.get("system") == "email"), None)
    phones = tuple(str(t.get("value")) for t in telecom if t.get("system") in ("phone", "sms"))
    return PatientData(
        resource_id=str(resource.get("id", "")),
        nir=nir,
        family_name=str(name.get("family", "")).strip(),
        given_names=" ".join(name.get("given", [])).strip(),
        birth_date=_date(resource.get("birthDate")),
        sex=str(resource.get("gender", "unknown")),
        email=email,
        phones=phones,
    )


def _attachment(attachment: dict[str, Any]) -> tuple[str, bytes] | str:
    """(mime, bytes), or why not."""
    if not attachment.get("data"):
        return "contenu absent ou seulement par URL" if attachment.get("url") else "contenu absent"
    try:
        content = base64.b64decode(attachment["data"], validate=True)
    except (binascii.Error, ValueError):
        return "contenu base64 illisible"
    mime = str(attachment.get("contentType", "")).split(";")[0].strip().lower()
    return mime, content


def _document(content: BundleContent, kind: str, resource: dict[str, Any]) -> None:
    if resource.get("status") in ("entered-in-error", "preliminary", "registered"):
        content.skip(kind, f"statut {resource.get('status')}")
        return
    if kind == "DocumentReference":
        codings = (resource.get("type") or {}).get("coding", [])
        attachments = [c.get("attachment", {}) for c in resource.get("content", [])]
        created = _instant(resource.get("date"))
        period = (resource.get("context") or {}).get("period") or {}
    else:
        codings = (resource.get("code") or {}).get("coding", [])
        attachments = resource.get("presentedForm", [])
        created = _instant(resource.get("issued")) or _instant(resource.get("effectiveDateTime"))
        period = resource.get("effectivePeriod") or {}
    type_code = document_type_of(codings)
    if type_code is None:
        content.skip(kind, "type de document sans équivalent DMP")
        return
    got = _attachment(attachments[0]) if attachments else "contenu absent"
    if isinstance(got, str):
        content.skip(kind, got)
        return
    if created is None:
        content.skip(kind, "date de création absente")
        return
    content.documents.append(
        DocumentData(
            source=f"{kind}/{resource.get('id', '')}",
            type_code=type_code,
            mime=got[0],
            content=got[1],
            created=created,
            service_start=_instant(period.get("start")),
            service_end=_instant(period.get("end")),
        )
    )


def _care(content: BundleContent, kind: str, resource: dict[str, Any]) -> None:
    billable = resource.get("billablePeriod") or {}
    fallback = _date(billable.get("start")) or _date(resource.get("created"))
    for item in resource.get("item", []):
        line_id = f"{kind}/{resource.get('id', '')}#{item.get('sequence', '')}"
        try:
            content.care_lines.append(care_line_of(item, fallback=fallback, line_id=line_id))
        except LineRefused as error:
            content.skip(f"{kind}.item", str(error))


def _dispensation(content: BundleContent, resource: dict[str, Any]) -> None:
    when = _date(resource.get("whenHandedOver")) or _date(resource.get("whenPrepared"))
    concept = resource.get("medicationCodeableConcept") or {}
    coding = (concept.get("coding") or [{}])[0]
    label = str(concept.get("text") or coding.get("display") or "").strip()
    if resource.get("status") not in (None, "completed") or when is None or not label:
        content.skip("MedicationDispense", "non délivré, sans date ou sans médicament")
        return
    quantity = (resource.get("quantity") or {}).get("value", 1)
    content.dispensations.append(
        DispensationData(
            source=f"MedicationDispense/{resource.get('id', '')}",
            dispensed_on=when,
            kind=dispensation_kind(coding),
            product_code=str(coding.get("code", ""))[:32],
            code_system=str(coding.get("system", ""))[:64],
            label=label[:200],
            quantity=max(int(float(quantity)), 0),
        )
    )


def read_bundle(bundle: dict[str, Any]) -> BundleContent:
    if bundle.get("resourceType") != "Bundle":
        raise ValueError("pas un Bundle FHIR")
    resources = [e.get("resource") or {} for e in bundle.get("entry", [])]
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise ValueError(f"un seul Patient attendu, {len(patients)} trouvé(s)")
    content = BundleContent(patient=_patient(patients[0]))
    covered = {
        str((r.get("claim") or {}).get("reference", "")).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        for r in resources
        if r.get("resourceType") == "ExplanationOfBenefit"
    }
    for resource in resources:
        kind = str(resource.get("resourceType", "?"))
        content.resources[kind] += 1
        if kind in ("DocumentReference", "DiagnosticReport"):
            _document(content, kind, resource)
        elif kind == "ExplanationOfBenefit":
            _care(content, kind, resource)
        elif kind == "Claim":
            if str(resource.get("id")) in covered:
                content.skip(kind, "lignes reprises de son ExplanationOfBenefit")
            else:
                _care(content, kind, resource)
        elif kind == "MedicationDispense":
            _dispensation(content, resource)
        elif kind != "Patient":
            content.skip(kind, NOT_SUPPORTED)
    return content
