"""Mounts the portals and their static files on the application."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dmp.portals import public


def mount_portals(app: FastAPI) -> None:
    static_dir = resources.files("dmp.portals").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    app.include_router(public.router)
