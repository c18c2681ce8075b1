"""``create_app(settings)``: the only composition root of the web service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text

from dmp import __version__
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.errors import DmpError
from dmp.kit.clock import Clock
from dmp.portals.headers import SecurityHeaders
from dmp.runtime import build_runtime
from dmp.web.direct_routes import DirectRoutes
from dmp.web.rendering import render_error


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    runtime = build_runtime(settings, clock=clock)
    engine = create_engine(settings.effective_database_url)
    session_factory = create_session_factory(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(
        title="OpenDMP",
        version=__version__,
        description="Dossier Médical Partagé — open implementation.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.engine = engine
    app.state.session_factory = session_factory

    @app.exception_handler(DmpError)
    async def _dmp_error(request: Request, error: DmpError) -> Any:
        return render_error(request, error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> Any:
        from dmp.errors import InvalidInput

        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return render_error(request, InvalidInput(detail=detail))

    @app.get("/health", tags=["operations"], summary="Liveness and database reachability")
    async def health() -> JSONResponse:
        try:
            async with session_factory() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not ready"
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "reachable", "version": __version__})

    from dmp.auth.endpoints import router as auth_router
    from dmp.feeds.endpoints import feeds_router
    from dmp.fhir.router import PREFIX, fhir_router, fhir_routes
    from dmp.fhir.security import professional_credential
    from dmp.portals.router import mount_portals
    from dmp.web.dev import dev_router

    fhir = fhir_router()
    app.include_router(fhir, prefix=PREFIX)
    app.include_router(feeds_router(professional_credential), prefix="/feeds")
    app.include_router(auth_router)
    app.include_router(dev_router)
    mount_portals(app)
    # Innermost, so that every other middleware sees the requests it serves (decision 0007).
    app.add_middleware(DirectRoutes, routes=fhir_routes(fhir))
    app.add_middleware(SecurityHeaders, https=settings.public_base_url.startswith("https://"))
    return app


def serving_app(settings: Settings) -> FastAPI:
    """The application of a server process, made ready before its first request: the
    FHIR models it validates with built (``fhir.warmup``), then its heap settled
    (``web.heap``), so that both are frozen with the rest of start-up."""
    from dmp.fhir.warmup import warm_models
    from dmp.web.heap import settle_heap

    app = create_app(settings)
    warm_models()
    settle_heap()
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` and ``dmp serve``: settings from ``DMP_*``. It
    runs once in each server process."""
    return serving_app(Settings())
