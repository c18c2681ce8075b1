"""Development-only pages: the mail, SMS and letters the local sinks received, so that a
newcomer to the demo can log in with the code they "received". Answers 404 in production
(and wherever ``settings.environment`` is not demo, development or test).

Mounted by ``create_app`` as ``app.include_router(dev_router)``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from dmp.errors import NotFound
from dmp.notifications.inbox import development_inbox, development_pages_enabled, letter_path
from dmp.portals.web import Page, render_page
from dmp.runtime import Runtime

dev_router = APIRouter(prefix="/dev", include_in_schema=False)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    if not development_pages_enabled(runtime.settings):
        raise NotFound(what="Page")
    return runtime


@dev_router.get("/messages", response_class=HTMLResponse)
async def messages(request: Request) -> HTMLResponse:
    runtime = _runtime(request)
    inbox = development_inbox(runtime.settings)
    page = Page(
        "dev/messages.html",
        {"inbox": inbox, "environment": runtime.settings.environment},
        title="Messages reçus (développement)",
    )
    return render_page(request, page)


@dev_router.get("/letters/{name}")
async def letter(request: Request, name: str) -> FileResponse:
    runtime = _runtime(request)
    path = letter_path(runtime.settings, name)
    if path is None:
        raise NotFound(what="Courrier")
    return FileResponse(path, media_type="application/pdf", filename=name)
