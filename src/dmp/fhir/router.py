"""Assembles the FHIR routes under ``/fhir``."""

from __future__ import annotations

from fastapi import APIRouter

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


def fhir_router() -> APIRouter:
    router = APIRouter()
    documents_provide.register(router)
    for module in (
        capability,
        operations,
        patients,
        documents_search,
        documents_update,
        binary,
        consent,
        audit_events,
    ):
        router.include_router(module.router)
    return router
