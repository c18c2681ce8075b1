"""FastAPI dependencies shared by every adapter: the request's unit of work and runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.uow import unit_of_work
from dmp.runtime import Runtime


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the handler, rolled back on error."""
    async with unit_of_work(request.app.state.session_factory) as session:
        yield session


async def request_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool, which cost more
    # than the whole attribute read on every request.
    runtime: Runtime = request.app.state.runtime
    return runtime
