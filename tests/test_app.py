"""The HTTP service answers /health once the database is reachable."""

from __future__ import annotations

import base64
import secrets

import httpx

from dmp.app import create_app
from dmp.config import Settings
from dmp.db.engine import create_engine
from dmp.db.migrate import upgrade_engine


async def test_health_answers_ok_with_a_reachable_database(tmp_path):
    settings = Settings(
        var_dir=tmp_path, master_key=base64.b64encode(secrets.token_bytes(32)).decode()
    )
    engine = create_engine(settings.effective_database_url)
    await upgrade_engine(engine)
    await engine.dispose()
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/health")
    assert response.status_code == 200 and response.json()["database"] == "reachable"


async def test_health_reports_an_unreachable_database(tmp_path):
    settings = Settings(
        var_dir=tmp_path,
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/health")
    assert response.status_code == 503
