"""The HTTP application of the login API tests: ``create_app`` on a migrated SQLite file,
a frozen clock, the real SMTP sink, and one test-only route guarded by
``current_patient_actor`` (the dependency other routers reuse)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI

from dmp.app import create_app
from dmp.auth.endpoints import current_patient_actor, router
from dmp.config import Settings
from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine
from dmp.db.uow import unit_of_work
from dmp.dossiers.schemas import Contact, CreatedDossier
from dmp.dossiers.service import create_dossier
from dmp.kit.clock import FrozenClock
from dmp.notifications.sms import FileSmsSink
from dmp.policy import Actor
from dmp.runtime import Runtime
from tests.auth.people import code_in
from tests.builders.actors import counter_agent
from tests.builders.dossiers import adult_request


@dataclass
class Service:
    app: FastAPI
    settings: Settings
    clock: FrozenClock

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)

    async def a_patient(self, *, email: str | None, mobile: str | None) -> CreatedDossier:
        """Created through the service, committed, as a counter agent would."""
        request = adult_request(contact=Contact(email=email, mobile=mobile))
        async with unit_of_work(self.app.state.session_factory) as session:
            return await create_dossier(
                session, rt=self.runtime, actor=counter_agent(), request=request
            )

    def last_sms_code(self) -> str:
        return code_in(FileSmsSink(self.settings.effective_sms_dir).messages()[-1]["text"])

    def sms_count(self) -> int:
        return len(FileSmsSink(self.settings.effective_sms_dir).messages())


def mount_auth(app: FastAPI) -> None:
    """Mounts the router unless ``create_app`` already does (once the lead wires it)."""
    if not any(getattr(r, "path", "").startswith("/api/auth/") for r in app.routes):
        app.include_router(router)

    async def whoami(actor: Annotated[Actor, Depends(current_patient_actor)]) -> dict[str, Any]:
        return {"kind": actor.kind.value, "id": actor.id, "dossier_id": actor.dossier_id}

    app.add_api_route("/api/test/whoami", whoami, methods=["GET", "POST"])


@asynccontextmanager
async def running_service(
    folder: Path, *, smtp_port: int, base_url: str = "http://testserver"
) -> AsyncIterator[Service]:
    settings = Settings(
        var_dir=folder / "var",
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        environment="test",
        smtp_port=smtp_port,
        base_url=base_url,
    )
    engine = create_engine(settings.effective_database_url)
    await upgrade_engine(engine)
    await engine.dispose()
    clock = FrozenClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    app = create_app(settings, clock=clock)
    mount_auth(app)
    try:
        yield Service(app, settings, clock)
    finally:
        await app.state.engine.dispose()
