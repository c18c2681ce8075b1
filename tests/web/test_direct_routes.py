"""``DirectRoutes`` serves a FastAPI route from a plan made once, exactly as FastAPI would:
same calls in the same order, each dependency once, ``yield`` dependencies exited before
the response goes out, the application's exception handlers; and it leaves to FastAPI
every route it cannot serve that way, and the first route FastAPI would pick.

These are real FastAPI applications driven over ASGI; what each endpoint saw is what it
records. (No ``from __future__ import annotations``: FastAPI must see the closures'
dependencies in the annotations.)"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from dmp.web.direct_routes import DirectRoutes, without_direct_routes


class Refused(Exception):
    pass


def _application(events: list[str]) -> tuple[FastAPI, APIRouter]:
    router = APIRouter()

    async def who(request: Request) -> str:
        events.append("who")
        return request.headers.get("x-who", "nobody")

    async def unit(request: Request) -> AsyncIterator[str]:
        events.append("begin")
        try:
            yield "unit"
        except Exception:
            events.append("rollback")
            raise
        events.append("commit")

    async def checked(who: Annotated[str, Depends(who)]) -> str:
        events.append("checked")
        return who.upper()

    async def spent(
        checked: Annotated[str, Depends(checked)],
        unit: Annotated[str, Depends(unit, scope="function")],
    ) -> str:
        events.append("spent")
        return f"{checked}@{unit}"

    class Recorded(JSONResponse):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            events.append("send")
            await super().__call__(scope, receive, send)

    @router.get("/items/special")
    def special() -> Response:  # a plain def: FastAPI runs it in its thread pool
        events.append("special")
        return Recorded({"special": True})

    @router.get("/items/{name}")
    async def item(
        name: str,
        request: Request,
        credential: Annotated[str, Depends(spent)],
        unit: Annotated[str, Depends(unit, scope="function")],
        again: Annotated[str, Depends(who)],
    ) -> Response:
        events.append(f"item {name}")
        if name == "refused":
            raise Refused
        if name == "broken":
            raise RuntimeError("a bug")
        # FastAPI's request handler leaves its exit stack in the scope; a plan does not.
        by = "fastapi" if "fastapi_inner_astack" in request.scope else "plan"
        body = {"name": name, "credential": credential, "unit": unit, "who": again}
        link = str(request.url_for("item", name=name))
        return Recorded(body | {"by": by, "link": link})

    @router.get("/numbers/{number}")
    async def number(number: int) -> Response:
        return Recorded({"number": number})

    @router.get("/search")
    async def search(q: Annotated[str, Query()]) -> Response:
        return Recorded({"q": q})

    async def request_scoped(request: Request) -> AsyncIterator[str]:
        yield "late"

    @router.get("/late")
    async def late(value: Annotated[str, Depends(request_scoped)]) -> Response:
        return Recorded({"value": value})

    app = FastAPI()
    app.include_router(router, prefix="/api")

    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> JSONResponse:
        events.append("handler")
        return JSONResponse({"refused": True}, status_code=403)

    app.add_middleware(DirectRoutes, routes=[("/api", route) for route in router.routes])
    return app, router


async def _get(app: FastAPI, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers=headers)


def test_only_routes_a_plan_serves_exactly_are_served():
    app, _ = _application([])
    served = {route.path for route in DirectRoutes.of(app).served()}
    # Not: a plain def, an int path parameter, a query parameter, and a yield
    # dependency whose exit FastAPI runs after the response.
    assert served == {"/items/{name}"}


async def _both_ways(path: str, **headers: str) -> list[tuple[int, Any, list[str]]]:
    """(status, body, events) served from a plan, then by FastAPI alone."""
    answers = []
    for direct in (True, False):
        events: list[str] = []
        app, _ = _application(events)
        if not direct:
            without_direct_routes(app)
        answer = await _get(app, path, **headers)
        body = answer.json() if answer.status_code != 500 else None
        answers.append((answer.status_code, body, events))
    return answers


async def test_a_served_route_makes_fastapis_calls_in_fastapis_order():
    answers = await _both_ways("/api/items/pen", **{"x-who": "ann"})
    assert [body.pop("by") for _, body, _ in answers] == ["plan", "fastapi"]
    body = {"name": "pen", "credential": "ANN@unit", "unit": "unit", "who": "ann"}
    body["link"] = "http://test/api/items/pen"  # request.url_for works in a planned route
    # Each dependency once (``who`` and ``unit`` are declared twice), sub-dependencies
    # first, and the function-scoped unit committed before the response is sent.
    order = ["who", "checked", "begin", "spent", "item pen", "commit", "send"]
    assert answers[0] == answers[1] == (200, body, order)


async def test_an_error_rolls_back_and_is_answered_by_the_applications_handler():
    answers = await _both_ways("/api/items/refused")
    order = ["who", "checked", "begin", "spent", "item refused", "rollback", "handler"]
    assert answers[0] == answers[1] == (403, {"refused": True}, order)


async def test_an_error_without_a_handler_is_a_server_error_as_before():
    answers = await _both_ways("/api/items/broken")
    order = ["who", "checked", "begin", "spent", "item broken", "rollback"]
    assert answers[0] == answers[1] == (500, None, order)


async def test_the_first_route_fastapi_would_pick_is_the_one_that_answers():
    # "/items/special" is declared first and is not served here: FastAPI answers it,
    # rather than the served "/items/{name}" that matches the same path.
    events: list[str] = []
    app, _ = _application(events)
    answer = await _get(app, "/api/items/special")
    assert answer.json() == {"special": True}
    assert events == ["special", "send"]


async def test_routes_it_does_not_serve_still_work_through_fastapi():
    app, _ = _application([])
    assert (await _get(app, "/api/numbers/7")).json() == {"number": 7}
    assert (await _get(app, "/api/numbers/seven")).status_code == 422
    assert (await _get(app, "/api/search?q=x")).json() == {"q": "x"}
    assert (await _get(app, "/api/late")).json() == {"value": "late"}
    assert (await _get(app, "/api/nowhere")).status_code == 404


async def test_dependency_overrides_are_left_to_fastapi():
    events: list[str] = []
    app, router = _application(events)
    route = next(r for r in router.routes if getattr(r, "path", "") == "/items/{name}")
    spent = route.dependant.dependencies[0].call  # type: ignore[attr-defined]

    async def stand_in() -> str:
        return "OVERRIDDEN"

    app.dependency_overrides[spent] = stand_in
    answer = await _get(app, "/api/items/pen", **{"x-who": "ann"})
    assert answer.json()["credential"] == "OVERRIDDEN"
    assert answer.json()["by"] == "fastapi"
