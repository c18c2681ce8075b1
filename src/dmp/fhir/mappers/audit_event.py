"""A trace of the dossier as an AuditEvent shaped on IHE BALP (Basic Audit Log Patterns):
a patient-record event (DICOM 110110) whose subtype is the DMP action, the requesting
agent with its national id and purpose of use (TREAT, or BTG / ETREAT in emergency
modes), the DMP as observer, and the patient, document or professional concerned as
entities."""

from __future__ import annotations

import uuid
from typing import Any

from dmp.audit.history import HistoryEntry
from dmp.fhir.codes import ACT_REASON_SYSTEM, IDNAT_PS_SYSTEM, PROFESSION_SYSTEM
from dmp.fhir.ids import document_id
from dmp.policy import AccessMode, Action

DCM = "http://dicom.nema.org/resources/ontology/DCM"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
_CRUD: dict[str, str] = {
    Action.DOSSIER_CREATE: "C",
    Action.DOCUMENT_ADD: "C",
    Action.DOCUMENT_REPLACE: "U",
    Action.DOCUMENT_DELETE: "D",
    Action.DOSSIER_CLOSE: "U",
    Action.DOSSIER_REACTIVATE: "U",
    Action.DOSSIER_PURGE: "D",
    Action.DOSSIER_ADMIN_UPDATE: "U",
    Action.DOCUMENT_ARCHIVE: "U",
    Action.DOCUMENT_MASK: "U",
    Action.DOCUMENT_VISIBILITY: "U",
    Action.ACCESS_MANAGE: "U",
    Action.ACCESS_UNBLOCK: "U",
    Action.ACCESS_DECLARE_CONSENT: "U",
    Action.EMERGENCY_CONSENTS_MANAGE: "U",
    Action.DOCUMENT_LIST: "E",
    Action.DOSSIER_LOOKUP: "E",
}
_PURPOSE = {
    AccessMode.NORMAL.value: ("TREAT", "traitement"),
    AccessMode.BREAK_GLASS.value: ("BTG", "bris de glace"),
    AccessMode.REGULATION.value: ("ETREAT", "régulation (centre 15)"),
}


def _document_entity(dossier_id: uuid.UUID, target: str) -> dict[str, Any] | None:
    try:
        version_id = uuid.UUID(target)
    except ValueError:
        return None
    return {
        "what": {"reference": f"DocumentReference/{document_id(dossier_id, version_id)}"},
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "3", "display": "Report"},
    }


def audit_event(entry: HistoryEntry, *, dossier_id: uuid.UUID) -> dict[str, Any]:
    purpose_code, purpose_text = _PURPOSE.get(entry.mode, ("TREAT", entry.mode_label))
    who: dict[str, Any] = {"display": entry.actor_name}
    if entry.actor_national_id:
        who["identifier"] = {"system": IDNAT_PS_SYSTEM, "value": entry.actor_national_id}
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": who,
        "requestor": True,
        "purposeOfUse": [
            {
                "coding": [
                    {"system": ACT_REASON_SYSTEM, "code": purpose_code, "display": purpose_text}
                ]
            }
        ],
    }
    if entry.profession_code:
        agent["role"] = [
            {
                "coding": [
                    {
                        "system": PROFESSION_SYSTEM,
                        "code": entry.profession_code,
                        "display": entry.profession_label or entry.profession_code,
                    }
                ]
            }
        ]
    entities: list[dict[str, Any]] = [
        {
            "what": {"reference": f"Patient/{dossier_id}"},
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
        }
    ]
    document = _document_entity(dossier_id, entry.target) if entry.target else None
    if document is not None:
        entities.append(document)
    if entry.target_professional_id:
        entities.append(
            {
                "what": {
                    "identifier": {"system": IDNAT_PS_SYSTEM, "value": entry.target_professional_id}
                },
                "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
                "role": {"system": OBJECT_ROLE, "code": "6", "display": "User"},
            }
        )
    return {
        "resourceType": "AuditEvent",
        "id": f"{dossier_id}.{entry.seq}",
        "type": {"system": DCM, "code": "110110", "display": "Patient Record"},
        "subtype": [
            {"system": "urn:opendmp:action", "code": entry.action, "display": entry.action_label}
        ],
        "action": _CRUD.get(entry.action, "R"),
        "recorded": entry.at.isoformat(),
        "outcome": "0" if entry.outcome == "allowed" else "4",
        "outcomeDesc": entry.outcome_label,
        "purposeOfEvent": [
            {
                "coding": [
                    {"system": ACT_REASON_SYSTEM, "code": purpose_code, "display": purpose_text}
                ]
            }
        ],
        "agent": [agent],
        "source": {
            "observer": {"display": "OpenDMP — Dossier Médical Partagé"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
        "entity": entities,
    }
