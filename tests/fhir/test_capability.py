"""The CapabilityStatement says exactly what the routes serve."""

from __future__ import annotations

import re

import httpx

from dmp.fhir.capability import RESOURCES
from tests.fhir.builders import fhir_valid

INTERACTION_METHODS = {
    "read": ("get", "/{type}/{id}"),
    "search-type": ("get", "/{type}"),
    "patch": ("patch", "/{type}/{id}"),
    "create": ("post", "/{type}"),
    "delete": ("delete", "/{type}/{id}"),
}


async def test_metadata_is_a_valid_capability_statement(fhir_world):
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{fhir_world.base}/metadata")
    statement = fhir_valid(answer.json())
    assert statement["rest"][0]["interaction"][0]["code"] == "transaction"
    assert {r["type"] for r in statement["rest"][0]["resource"]} == {
        "Patient",
        "DocumentReference",
        "Binary",
        "Consent",
        "AuditEvent",
    }


async def test_every_declared_interaction_has_a_route_and_every_route_is_declared(fhir_world):
    async with httpx.AsyncClient() as http:
        paths = (await http.get(f"{fhir_world.server.base_url}/openapi.json")).json()["paths"]
    served = {
        (method, re.sub(r"\{[^}]+\}", "{id}", path.removeprefix("/fhir")))
        for path, operations in paths.items()
        if path.startswith("/fhir")
        for method in operations
    }
    declared = {("post", ""), ("post", "/"), ("get", "/metadata")}
    for resource in RESOURCES:
        for interaction in resource["interaction"]:
            method, shape = INTERACTION_METHODS[interaction["code"]]
            declared.add((method, shape.replace("{type}", resource["type"])))
        for operation in resource.get("operation", []):
            path = f"/{resource['type']}/$" + operation["name"]
            if operation["name"] != "create-dmp":
                path = f"/{resource['type']}/{{id}}/$" + operation["name"]
            declared.add(("post", path))
    assert served == declared
