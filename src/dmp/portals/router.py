"""Mounts the portals and their static files on the application.

Each portal package exposes ``router`` from its ``routes`` module; the portals are
independent of each other and share only the layout, the styles and ``dmp.portals.web``."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dmp.portals import public
from dmp.portals.counter.routes import router as counter_router
from dmp.portals.patient.routes import router as patient_router
from dmp.portals.pro.routes import router as pro_router


def mount_portals(app: FastAPI) -> None:
    static_dir = resources.files("dmp.portals").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    app.include_router(public.router)
    for router in (patient_router, pro_router, counter_router):
        app.include_router(router)
