"""The FHIR routes served from plans (``dmp.web.direct_routes``, decision 0007) answer as
FastAPI answers them. The same requests go to the live server, where the plans serve
them, and to the same application without ``DirectRoutes``, where FastAPI serves them, on
the same database: status, headers and body must be the same."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from dmp.app import create_app
from dmp.cli.seed import PROFESSIONALS
from dmp.fhir.router import PREFIX
from dmp.web.direct_routes import DirectRoutes, without_direct_routes
from tests.fhir.builders import make_pdf, provide_bundle
from tests.fhir.conftest import in_process

GP = PROFESSIONALS[0].national_id
# Headers a server adds on its own: uvicorn's, and the length of a body whose ids differ.
_TRANSPORT = {"date", "server", "content-length"}


@pytest.fixture
async def by_fastapi(fhir_world) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(fhir_world, without_direct_routes) as http:
        yield http


async def _both(fhir_world, by_fastapi, method: str, path: str, **options: Any):
    """The live server's answer (plans) and FastAPI's, each with an assertion of its own."""
    answers = []
    async with httpx.AsyncClient(base_url=fhir_world.server.base_url) as by_plans:
        for http in (by_plans, by_fastapi):
            headers = dict(options.get("headers", {}))
            if options.get("signed", True):
                headers |= fhir_world.headers(GP)
            answers.append(
                await http.request(
                    method,
                    PREFIX + path,
                    headers=headers,
                    params=options.get("params"),
                    content=options.get("content"),
                )
            )
    return answers


def _headers(answer: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k not in _TRANSPORT}


def _same(plans: httpx.Response, fastapi: httpx.Response) -> None:
    assert plans.status_code == fastapi.status_code
    assert _headers(plans) == _headers(fastapi)
    assert plans.content == fastapi.content


def _json(content: str) -> dict[str, str]:
    return {"Content-Type": content}


async def test_reads_and_searches_answer_the_same(fhir_world, by_fastapi, gp_document):
    patient_id, document_id = gp_document
    unknown = str(uuid.uuid4())
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/DocumentReference", {"params": {"patient": patient_id}}),
        ("GET", "/DocumentReference", {"params": {"patient": patient_id, "colour": "red"}}),
        (
            "GET",
            "/DocumentReference",
            {
                "params": {"patient": patient_id, "colour": "r"},
                "headers": {"Prefer": "handling=strict"},
            },
        ),
        ("GET", "/DocumentReference", {"params": {"patient": unknown}}),
        ("GET", "/DocumentReference", {"params": {"patient": patient_id, "date": "bad"}}),
        ("GET", "/DocumentReference", {}),
        ("GET", "/DocumentReference", {"params": {"patient": patient_id}, "signed": False}),
        ("GET", f"/DocumentReference/{document_id}", {}),
        ("GET", f"/DocumentReference/{'0' * 64}", {}),
        ("GET", f"/Binary/{document_id}", {"headers": {"Accept": "*/*"}}),
        ("GET", f"/Binary/{document_id}", {"headers": {"Accept": "application/fhir+json"}}),
        ("GET", f"/Binary/{'0' * 64}", {}),
        ("GET", f"/Patient/{patient_id}", {}),
        ("GET", "/metadata", {"signed": False}),
    ]
    statuses = set()
    for method, path, options in cases:
        plans, fastapi = await _both(fhir_world, by_fastapi, method, path, **options)
        _same(plans, fastapi)
        statuses.add(plans.status_code)
    assert statuses == {200, 400, 401, 404}

    etag = (await _both(fhir_world, by_fastapi, "GET", f"/Binary/{document_id}"))[0].headers["etag"]
    plans, fastapi = await _both(
        fhir_world, by_fastapi, "GET", f"/Binary/{document_id}", headers={"If-None-Match": etag}
    )
    assert plans.status_code == 304
    _same(plans, fastapi)


async def test_deposits_answer_the_same(fhir_world, by_fastapi, gp_document):
    patient_id, _ = gp_document
    answers = []
    async with httpx.AsyncClient(base_url=fhir_world.server.base_url) as by_plans:
        for http in (by_plans, by_fastapi):  # a bundle each: a document is deposited once
            bundle = orjson.dumps(provide_bundle(patient_id, [{"data": make_pdf(2000)}]))
            headers = fhir_world.headers(GP) | _json("application/fhir+json")
            answers.append(await http.post(PREFIX, content=bundle, headers=headers))
    plans, fastapi = answers
    assert plans.status_code == fastapi.status_code == 200
    assert _headers(plans).keys() == _headers(fastapi).keys()
    shapes = [
        [(e["response"]["status"], e["response"]["location"].split("/")[0]) for e in entries]
        for entries in (plans.json()["entry"], fastapi.json()["entry"])
    ]
    assert shapes[0] == shapes[1]
    assert len(shapes[0]) == 3

    for body, kind in ((b"{not json", "application/json"), (bundle, "text/plain")):
        plans, fastapi = await _both(
            fhir_world, by_fastapi, "POST", "/", content=body, headers=_json(kind)
        )
        assert plans.status_code in (400, 415)
        _same(plans, fastapi)


def test_the_hot_routes_are_served_from_plans(settings):
    app = create_app(settings)
    served = {
        (method, route.path) for route in DirectRoutes.of(app).served() for method in route.methods
    }
    assert {
        ("POST", ""),
        ("POST", "/"),
        ("GET", "/DocumentReference"),
        ("GET", "/DocumentReference/{resource_id}"),
        ("GET", "/Binary/{resource_id}"),
    } <= served
    # A query parameter declared to FastAPI: FastAPI validates it, so FastAPI serves it.
    assert ("GET", "/AuditEvent") not in served


def test_every_fhir_operation_is_known_to_the_plans(settings):
    # Each is either served from a plan or left to FastAPI, but none is unknown: a route
    # unknown here could be shadowed by a served one FastAPI would not have picked.
    app = create_app(settings)
    listed = [
        (method, PREFIX + entry.route.path)
        for entry in DirectRoutes.of(app).routes
        for method in sorted(entry.methods)
    ]
    documented = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path == PREFIX or path.startswith(PREFIX + "/")
        for method in operations
    ]
    assert sorted(listed) == sorted(documented)
