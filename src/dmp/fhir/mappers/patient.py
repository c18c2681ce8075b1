"""A dossier seen as a FHIR Patient: INS identifier, DMP status, the caller's relation."""

from __future__ import annotations

from typing import Any

from dmp.dossiers.button import ButtonAnswer
from dmp.identity.nir import INS_NIR_SYSTEM

_GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def extension_url(base_url: str, name: str) -> str:
    return f"{base_url}/fhir/StructureDefinition/{name}"


def patient_resource(answer: ButtonAnswer, *, nir: str, base_url: str) -> dict[str, Any]:
    summary = answer.summary
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(summary.dossier_id),
        "identifier": [{"use": "official", "system": INS_NIR_SYSTEM, "value": nir}],
        "active": summary.status == "active",
        "extension": [
            {"url": extension_url(base_url, "dmp-status"), "valueCode": summary.status},
            {
                "url": extension_url(base_url, "dmp-caller-access"),
                "extension": [
                    {"url": "authorized", "valueBoolean": answer.authorized},
                    {"url": "blocked", "valueBoolean": answer.blocked},
                    {"url": "treatingPhysician", "valueBoolean": answer.treating_physician},
                    {"url": "administrator", "valueBoolean": answer.administrator},
                ],
            },
        ],
    }
    if summary.is_minor:
        resource["extension"].append(
            {"url": extension_url(base_url, "dmp-minor"), "valueBoolean": True}
        )
    identity = answer.identity
    if identity:
        resource["name"] = [
            {
                "use": "official",
                "family": identity["family_name"],
                "given": identity["given_names"].split(),
            }
        ]
        resource["birthDate"] = identity["birth_date"]
        resource["gender"] = _GENDER.get(identity.get("sex", "unknown"), "unknown")
    return resource
