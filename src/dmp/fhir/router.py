"""Assembles the FHIR routes under ``/fhir``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from dmp.fhir import (
    audit_events,
    binary,
    capability,
    consent,
    documents_provide,
    documents_search,
    documents_update,
    operations,
    patients,
)

PREFIX = "/fhir"
_MODULES = (
    capability,
    operations,
    patients,
    documents_search,
    documents_update,
    binary,
    consent,
    audit_events,
)


def fhir_router() -> APIRouter:
    router = APIRouter()
    # The router's own routes (the base URL's) first, then each module's: the order in
    # which FastAPI matches them, and the one ``fhir_routes`` gives.
    documents_provide.register(router)
    for module in _MODULES:
        router.include_router(module.router)
    return router


def fhir_routes(router: APIRouter) -> list[tuple[str, APIRoute]]:
    """(prefix, route) for every route of ``router`` (built by ``fhir_router``) in the
    order FastAPI matches them, for ``web.direct_routes``."""
    own = [route for route in router.routes if isinstance(route, APIRoute)]
    included = [
        route
        for module in _MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    return [(PREFIX, route) for route in own + included]
