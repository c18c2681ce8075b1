"""Who may read a dossier, as FHIR Consent resources.

- an authorization: ``provision.type = permit`` for one professional (``provision.actor``
  with role IRCP, identified by their national id); ``inactive`` once revoked;
- a block: ``provision.type = deny`` for one professional;
- a designation as treating physician (role PCP) or administrator;
- the three emergency consents: ``provision.purpose`` BTG (break-glass) and ETREAT (SAMU
  regulation) of v3-ActReason, and MASKED (emergency access to masked documents, an
  OpenDMP code), ``permit`` when given, ``deny`` when refused.

Ids are ``<patient id>.<kind>[.<national id>]``: readable, and enough to find the row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.fhir.codes import (
    ACT_REASON_SYSTEM,
    IDNAT_PS_SYSTEM,
    PARTICIPATION_SYSTEM,
    ROLE_CODE_SYSTEM,
    VISIBILITY_SYSTEM,
    extension_url,
)
from dmp.fhir.errors import (
    InvalidElement,
    RequiredElement,
    ResourceNotFound,
    UnsupportedElement,
)
from dmp.fhir.ids import parse_patient_id
from dmp.policy import AuthorizationState

AUTHORIZATION, BLOCK, TREATING, ADMINISTRATOR = "auth", "block", "pcp", "admin"
EMERGENCY = ("BTG", "ETREAT", "MASKED")
_ROLES = {
    AUTHORIZATION: (PARTICIPATION_SYSTEM, "IRCP", "destinataire de l'information"),
    BLOCK: (PARTICIPATION_SYSTEM, "IRCP", "destinataire de l'information"),
    TREATING: (ROLE_CODE_SYSTEM, "PCP", "médecin traitant DMP"),
}
_EMERGENCY_TEXT = {
    "BTG": "Accès en urgence par bris de glace",
    "ETREAT": "Accès du centre de régulation (SAMU - Centre 15)",
    "MASKED": "Accès en urgence aux documents masqués",
}


def emergency_system(base_url: str) -> str:
    return f"{base_url}/fhir/CodeSystem/dmp-emergency-consent"


def administrator_role(base_url: str) -> tuple[str, str, str]:
    return (f"{base_url}/fhir/CodeSystem/dmp-role", "administrator", "administrateur du DMP")


@dataclass(frozen=True, slots=True)
class ConsentId:
    dossier_id: uuid.UUID
    kind: str
    professional_id: str | None = None

    def __str__(self) -> str:
        tail = f".{self.professional_id}" if self.professional_id else ""
        return f"{self.dossier_id}.{self.kind}{tail}"


def parse_consent_id(value: str) -> ConsentId:
    head, _, rest = value.partition(".")
    kind, _, professional = rest.partition(".")
    try:
        dossier_id = uuid.UUID(head)
    except ValueError:
        raise ResourceNotFound(resource_type="Consent", id=value[:80]) from None
    known = kind in (AUTHORIZATION, BLOCK, TREATING, ADMINISTRATOR) and professional.isdigit()
    if not (known or (kind.upper() in EMERGENCY and not professional)):
        raise ResourceNotFound(resource_type="Consent", id=value[:80])
    return ConsentId(dossier_id, kind, professional or None)


def _base(
    consent_id: ConsentId, *, active: bool, permit: bool, since: datetime | None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": str(consent_id),
        "status": "active" if active else "inactive",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Consent"}]}
        ],
        "patient": {"reference": f"Patient/{consent_id.dossier_id}"},
        "policyRule": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "OPTIN" if permit else "OPTOUT",
                }
            ]
        },
        "provision": {"type": "permit" if permit else "deny"},
    }
    if since is not None:
        resource["dateTime"] = since.isoformat()
    return resource


def _actor(access: ProfessionalAccess, role: tuple[str, str, str]) -> dict[str, Any]:
    name = " ".join(p for p in (access.given_names, access.family_name) if p)
    reference: dict[str, Any] = {
        "identifier": {"system": IDNAT_PS_SYSTEM, "value": access.national_id}
    }
    if name:
        reference["display"] = name
    system, code, display = role
    return {
        "role": {"coding": [{"system": system, "code": code, "display": display}]},
        "reference": reference,
    }


def professional_consents(
    dossier_id: uuid.UUID, access: ProfessionalAccess, base_url: str
) -> list[dict[str, Any]]:
    """Up to two Consents for one professional: the authorization or block, and the
    designation."""
    result = []
    if access.state is not None:
        blocked = access.state is AuthorizationState.BLOCKED
        kind = BLOCK if blocked else AUTHORIZATION
        consent = _base(
            ConsentId(dossier_id, kind, access.national_id),
            active=access.state is not AuthorizationState.REVOKED,
            permit=not blocked,
            since=access.state_since,
        )
        consent["provision"]["actor"] = [_actor(access, _ROLES[kind])]
        if access.declared_consent:
            consent["extension"] = [
                {"url": extension_url(base_url, "dmp-declared-consent"), "valueBoolean": True}
            ]
        result.append(consent)
    if access.role is not None:
        treating = access.role is ManagerRole.TREATING_PHYSICIAN
        kind = TREATING if treating else ADMINISTRATOR
        role = _ROLES[TREATING] if treating else administrator_role(base_url)
        consent = _base(
            ConsentId(dossier_id, kind, access.national_id),
            active=True,
            permit=True,
            since=access.role_since,
        )
        consent["provision"]["actor"] = [_actor(access, role)]
        result.append(consent)
    return result


def emergency_consent(
    dossier_id: uuid.UUID, code: str, given: bool, base_url: str
) -> dict[str, Any]:
    consent = _base(ConsentId(dossier_id, code.lower()), active=True, permit=given, since=None)
    system = emergency_system(base_url) if code == "MASKED" else ACT_REASON_SYSTEM
    consent["provision"]["purpose"] = [
        {"system": system, "code": code, "display": _EMERGENCY_TEXT[code]}
    ]
    if code == "MASKED":
        consent["provision"]["securityLabel"] = [{"system": VISIBILITY_SYSTEM, "code": "MASQUE_PS"}]
    return consent


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """What a posted Consent asks for: an emergency consent set or refused, or a
    professional authorized, designated or blocked."""

    dossier_id: uuid.UUID
    permit: bool
    emergency: str | None = None
    professional_id: str | None = None
    kind: str = AUTHORIZATION


def _codes(concept: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    return [(c.get("system"), c.get("code")) for c in concept.get("coding") or []]


def consent_request(resource: dict[str, Any], base_url: str) -> ConsentRequest:
    if resource.get("status") != "active":
        raise UnsupportedElement(
            path="Consent.status",
            detail="seul un consentement actif se dépose (status active) ; un retrait est un "
            "DELETE du Consent",
            detail_en="only an active consent is posted (status active); a withdrawal is a "
            "DELETE of the Consent",
        )
    reference = str((resource.get("patient") or {}).get("reference") or "")
    if not reference:
        raise RequiredElement(
            path="Consent.patient", detail="Patient/<id>", detail_en="Patient/<id>"
        )
    dossier_id = parse_patient_id(reference, path="Consent.patient")
    provision = resource.get("provision") or {}
    if provision.get("type") not in ("permit", "deny"):
        raise RequiredElement(
            path="Consent.provision.type", detail="permit ou deny", detail_en="permit or deny"
        )
    permit = provision["type"] == "permit"
    purposes = [c.get("code") for c in provision.get("purpose") or []]
    emergency = [p for p in purposes if p in EMERGENCY]
    if emergency:
        if len(purposes) != 1 or provision.get("actor"):
            raise InvalidElement(
                path="Consent.provision.purpose",
                detail="un seul consentement d'urgence (BTG, ETREAT ou MASKED) par Consent, "
                "sans acteur",
                detail_en="one emergency consent (BTG, ETREAT or MASKED) per Consent, "
                "without actor",
            )
        return ConsentRequest(dossier_id, permit, emergency=str(emergency[0]))
    actors = provision.get("actor") or []
    identifier = ((actors[0].get("reference") or {}).get("identifier") or {}) if actors else {}
    if (
        len(actors) != 1
        or identifier.get("system") != IDNAT_PS_SYSTEM
        or not identifier.get("value")
    ):
        raise RequiredElement(
            path="Consent.provision.actor",
            detail=f"un acteur identifié par son identifiant national ({IDNAT_PS_SYSTEM}), "
            "ou un purpose BTG, ETREAT ou MASKED",
            detail_en=f"one actor identified by their national id ({IDNAT_PS_SYSTEM}), "
            "or a purpose BTG, ETREAT or MASKED",
        )
    codes = _codes(actors[0].get("role") or {})
    kind = AUTHORIZATION if permit else BLOCK
    if (ROLE_CODE_SYSTEM, "PCP") in codes:
        kind = TREATING
    elif administrator_role(base_url)[:2] in codes:
        kind = ADMINISTRATOR
    if kind in (TREATING, ADMINISTRATOR) and not permit:
        raise InvalidElement(
            path="Consent.provision.type",
            detail="une désignation est un permit ; pour bloquer, omettez le rôle",
            detail_en="a designation is a permit; to block, leave the role out",
        )
    return ConsentRequest(dossier_id, permit, professional_id=str(identifier["value"]), kind=kind)
