"""Small builders for the FHIR tests: Parameters of $create-dmp, Provide Document Bundles,
PDF contents, and the check that what the server answers is valid FHIR (R4B models)."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.identity.nir import INS_NIR_SYSTEM
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime, build_runtime
from tests.builders.nirs import make_nir
from tests.fhir.client import CpsFhirClient

if TYPE_CHECKING:  # conftest imports this module
    from tests.fhir.conftest import FhirWorld

MHD_LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
VISIBILITY = (
    "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
    "TRE-A07-StatutVisibiliteDocument"
)
CLASS = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
T = TypeVar("T")


def fhir_valid(resource: dict[str, Any]) -> dict[str, Any]:
    """Validates with fhir.resources (R4B models) and gives the resource back."""
    get_fhir_model_class(resource["resourceType"]).model_validate(dict(resource))
    return resource


def make_pdf(size: int = 2048) -> bytes:
    head, tail = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    return head + b"%" + os.urandom(max(size - len(head) - len(tail) - 1, 1)) + tail


def create_parameters(
    nir: str,
    *,
    family: str = "Martin",
    given: str = "Claire",
    birth_date: str = "1980-01-15",
    gender: str = "female",
    consent: bool = True,
    representative: dict[str, Any] | None = None,
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": "patient",
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": INS_NIR_SYSTEM, "value": nir}],
                "name": [{"use": "official", "family": family, "given": given.split()}],
                "birthDate": birth_date,
                "gender": gender,
                "telecom": [{"system": "email", "value": "claire.martin@example.org"}],
            },
        },
        {"name": "consent", "valueBoolean": consent},
    ]
    if representative is not None:
        parameters.append({"name": "legalRepresentative", "resource": representative})
    return {"resourceType": "Parameters", "parameter": parameters}


async def new_patient(client: CpsFhirClient, **identity: Any) -> dict[str, Any]:
    """A fresh dossier created by ``client``'s professional (who is then authorized)."""
    nir = identity.pop("nir", None) or make_nir(sex="2", year=80)
    return dict(
        await client.execute("Patient/$create-dmp", data=create_parameters(nir, **identity))
    )


def document_reference(
    patient_id: str,
    *,
    binary_url: str | None = None,
    data: bytes | None = None,
    type_code: str = "11488-4",
    title: str = "Compte rendu de consultation",
    mime: str = "application/pdf",
    creation: str = "2026-01-15T10:00:00+01:00",
    labels: tuple[str, ...] = (),
    replaces: str | None = None,
    period: tuple[str, str] | None = None,
    setting: str | None = None,
    unique_id: str | None = None,
) -> dict[str, Any]:
    attachment: dict[str, Any] = {"contentType": mime, "title": title, "creation": creation}
    if binary_url:
        attachment["url"] = binary_url
    if data is not None:
        attachment["data"] = base64.b64encode(data).decode()
        attachment["size"] = len(data)
        attachment["hash"] = base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "masterIdentifier": {
            "system": "urn:ietf:rfc:3986",
            "value": unique_id or uuid.uuid4().urn,
        },
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": type_code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "securityLabel": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                        "code": "N",
                    }
                ]
            }
        ]
        + [{"coding": [{"system": VISIBILITY, "code": code}]} for code in labels],
        "content": [{"attachment": attachment}],
    }
    context: dict[str, Any] = {}
    if period:
        context["period"] = {"start": period[0], "end": period[1]}
    if setting:
        context["practiceSetting"] = {"coding": [{"code": setting}]}
    if context:
        resource["context"] = context
    if replaces:
        resource["relatesTo"] = [
            {"code": "replaces", "target": {"reference": f"DocumentReference/{replaces}"}}
        ]
    return resource


def submission_set(patient_id: str, items: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "code": {"coding": [{"system": MHD_LIST_TYPES, "code": "submissionset"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "date": datetime.now(UTC).isoformat(),
        "entry": [{"item": {"reference": item}} for item in items],
    }


def provide_bundle(
    patient_id: str, documents: list[dict[str, Any]], *, binaries: bool = True
) -> dict[str, Any]:
    """A transaction: the submission set, then each document and (``binaries``) its Binary.
    ``documents`` are keyword arguments of ``document_reference`` with ``data``."""
    entries: list[dict[str, Any]] = []
    items = []
    for spec in documents:
        spec = dict(spec)
        data = spec.pop("data", None) or make_pdf()
        reference_url, binary_url = uuid.uuid4().urn, uuid.uuid4().urn
        items.append(reference_url)
        if binaries:
            resource = document_reference(patient_id, binary_url=binary_url, **spec)
            resource["content"][0]["attachment"]["size"] = len(data)
        else:
            resource = document_reference(patient_id, data=data, **spec)
        entries.append(
            {
                "fullUrl": reference_url,
                "resource": resource,
                "request": {"method": "POST", "url": "DocumentReference"},
            }
        )
        if binaries:
            entries.append(
                {
                    "fullUrl": binary_url,
                    "resource": {
                        "resourceType": "Binary",
                        "contentType": resource["content"][0]["attachment"]["contentType"],
                        "data": base64.b64encode(data).decode(),
                    },
                    "request": {"method": "POST", "url": "Binary"},
                }
            )
    entries.insert(
        0,
        {
            "fullUrl": uuid.uuid4().urn,
            "resource": submission_set(patient_id, items),
            "request": {"method": "POST", "url": "List"},
        },
    )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def created_ids(response: dict[str, Any], kind: str = "DocumentReference") -> list[str]:
    return [
        e["response"]["location"].split("/")[1]
        for e in response["entry"]
        if e["response"]["location"].startswith(f"{kind}/")
    ]


async def provide(client: CpsFhirClient, patient_id: str, *documents: dict[str, Any]) -> list[str]:
    """Deposits and gives back the created DocumentReference ids."""
    answer = await client.execute("", data=provide_bundle(patient_id, list(documents) or [{}]))
    return created_ids(dict(answer))


async def with_services(
    world: FhirWorld, work: Callable[[AsyncSession, Runtime], Awaitable[T]]
) -> T:
    """Runs service calls on the live server's database, in a unit of work of their own
    (the patient's side of a scenario happens in the portal, not in the FHIR API)."""
    settings = world.server.settings
    engine = create_engine(settings.effective_database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await work(session, build_runtime(settings))
    finally:
        await engine.dispose()


def patient_actor(dossier_id: str) -> Actor:
    return Actor(kind=ActorKind.PATIENT, id=f"holder-{dossier_id[:8]}", dossier_id=dossier_id)
