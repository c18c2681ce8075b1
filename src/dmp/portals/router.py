"""Mounts the portals and their static files on the application.

Each portal package exposes ``router`` from its ``routes`` module once it exists; the
portals are independent of each other and share only the layout, the styles and
``dmp.portals.web``."""

from __future__ import annotations

import importlib
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dmp.portals import public

PORTALS = ("dmp.portals.patient.routes", "dmp.portals.pro.routes", "dmp.portals.counter.routes")


def mount_portals(app: FastAPI) -> None:
    static_dir = resources.files("dmp.portals").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    app.include_router(public.router)
    for name in PORTALS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            continue
        app.include_router(module.router)
