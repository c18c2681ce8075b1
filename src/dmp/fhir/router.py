"""Assembles the FHIR routes under ``/fhir``."""

from __future__ import annotations

from fastapi import APIRouter

from dmp.fhir import capability, patients


def fhir_router() -> APIRouter:
    router = APIRouter()
    router.include_router(capability.router)
    router.include_router(patients.router)
    return router
