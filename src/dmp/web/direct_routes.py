"""Routes served without FastAPI's per-request machinery (decision 0007).

FastAPI declares the route (path, methods, dependencies, OpenAPI) and, for every request,
walks the route's dependency tree with a general solver: cache keys, scope lookups,
parameter validation, two exit stacks and an exception wrapper per request, then its own
router's matching through every included router. For a traced search that was about a
sixth of the server's CPU. ``DirectRoutes`` reads the same declarations once, at start-up,
and turns each route whose parameters it can serve exactly into a flat plan: the calls in
the order FastAPI makes them, each dependency once per request, ``yield`` dependencies
exited before the response is sent, as with FastAPI's ``scope="function"``. A request for
such a route is served from the plan; anything else — another route, a route it cannot
serve, dependency overrides (tests) — goes on to FastAPI unchanged.

What a plan serves: the ``Request``, path parameters typed ``str`` with no constraint,
``async`` dependencies and function-scoped ``async`` generator dependencies made of the
same, and an endpoint that returns a ``Response``. Errors are answered by the
application's own exception handlers, looked up as Starlette's exception middleware does;
an error with no handler goes up to Starlette's server-error middleware, as before.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

# Where a call's arguments come from: slot 0 is the request, then the path parameters in
# the order of the route's template, then each call's result in the order made.
_REQUEST_SLOT = 0


@dataclass(frozen=True, slots=True)
class _Call:
    # A coroutine function, or for an async generator its context manager factory: the
    # manager is entered now and exited before the response.
    function: Callable[..., Any]
    arguments: tuple[tuple[str, int], ...]  # (keyword, slot)
    exits_after: bool


@dataclass(frozen=True, slots=True)
class _Plan:
    calls: tuple[_Call, ...]  # the endpoint last


@dataclass(frozen=True, slots=True)
class _Route:
    route: APIRoute
    methods: frozenset[str]
    pattern: re.Pattern[str]
    parameters: tuple[str, ...]  # the template's names, in the order of their slots
    plan: _Plan | None  # None: FastAPI serves it


class _Unservable(Exception):
    """A declaration a plan cannot serve exactly; the route stays with FastAPI."""


def _is_plain_str(field: Any) -> bool:
    info = field.field_info
    return info.annotation is str and not info.metadata and field.alias == field.name


class _Planner:
    def __init__(self, path_parameters: tuple[str, ...]) -> None:
        self.slots = {name: index + 1 for index, name in enumerate(path_parameters)}
        self.calls: list[_Call] = []
        # FastAPI's per-request cache, keyed as FastAPI keys it (no OAuth scopes here).
        self.made: dict[tuple[Callable[..., Any], str | None], int] = {}

    def add(self, dependant: Dependant, *, endpoint: bool = False) -> int:
        """The slot of ``dependant``'s result, planning its dependencies first (depth
        first, in declaration order, each call once: FastAPI's order and cache)."""
        call = dependant.call
        if call is None:
            raise _Unservable("no call")
        key = (call, dependant.scope)
        if not endpoint and key in self.made:
            return self.made[key]
        if (
            dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or dependant.websocket_param_name
            or dependant.http_connection_param_name
            or dependant.response_param_name
            or dependant.background_tasks_param_name
            or dependant.security_scopes_param_name
            or dependant.own_oauth_scopes
            or dependant.concurrency is not None
            or not dependant.use_cache
        ):
            raise _Unservable(f"{getattr(call, '__name__', call)} takes more than we plan")
        arguments: list[tuple[str, int]] = []
        for sub in dependant.dependencies:
            if sub.name is None:
                raise _Unservable("a dependency without a parameter")
            arguments.append((sub.name, self.add(sub)))
        for field in dependant.path_params:
            if not _is_plain_str(field) or field.name not in self.slots:
                raise _Unservable(f"path parameter {field.name} is not a plain str")
            arguments.append((field.name, self.slots[field.name]))
        if dependant.request_param_name:
            arguments.append((dependant.request_param_name, _REQUEST_SLOT))
        generator = inspect.isasyncgenfunction(call)
        if not (generator or inspect.iscoroutinefunction(call)):
            raise _Unservable(f"{getattr(call, '__name__', call)} is not async")
        if generator and dependant.scope != "function":
            raise _Unservable("a yield dependency whose exit FastAPI runs after the response")
        function = asynccontextmanager(call) if generator else call
        self.calls.append(_Call(function, tuple(arguments), generator))
        slot = len(self.slots) + len(self.calls)
        self.made[key] = slot
        return slot


def _plan(route: APIRoute, parameters: tuple[str, ...]) -> _Plan | None:
    if route.response_model is not None or getattr(route, "max_body_size", None) is not None:
        return None
    planner = _Planner(parameters)
    try:
        planner.add(route.dependant, endpoint=True)
    except _Unservable:
        return None
    return _Plan(tuple(planner.calls))


def _compile(prefix: str, route: APIRoute) -> _Route:
    regex, _template, convertors = compile_path(prefix + route.path)
    if not all(isinstance(convertor, StringConvertor) for convertor in convertors.values()):
        parameters: tuple[str, ...] = ()
        plan = None
    else:
        parameters = tuple(convertors)
        plan = _plan(route, parameters)
    return _Route(route, frozenset(route.methods or ()), regex, parameters, plan)


def _exception_handler(app: Any, error: Exception) -> Callable[..., Any] | None:
    """The handler Starlette's ``ExceptionMiddleware`` would pick for ``error``. The one
    registered for ``Exception`` (or 500) belongs to the server-error middleware, which
    an error without a handler reaches as before."""
    handlers: dict[Any, Callable[..., Any]] = app.exception_handlers
    if isinstance(error, HTTPException) and error.status_code in handlers:
        return handlers[error.status_code]
    for kind in type(error).__mro__:
        if kind is Exception:
            return None
        if kind in handlers:
            return handlers[kind]
    return None


class DirectRoutes:
    """Pure ASGI middleware. ``routes``: (prefix, route) in the order FastAPI matches them,
    so that the first route matching a request here is the one FastAPI would pick."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[tuple[str, APIRoute]]) -> None:
        self.app = app
        self.routes = tuple(_compile(prefix, route) for prefix, route in routes)
        self._prefixes = tuple({prefix for prefix, _ in routes})

    def served(self) -> list[APIRoute]:
        """The routes a plan serves (the rest go to FastAPI)."""
        return [entry.route for entry in self.routes if entry.plan is not None]

    @classmethod
    def of(cls, app: Starlette) -> DirectRoutes:
        """The one ``app`` was given (``add_middleware``), built again for inspection."""
        added: list[Any] = app.user_middleware  # Starlette's own types hide the class
        return cls(app, **next(m for m in added if m.cls is cls).kwargs)

    def _match(self, method: str, path: str) -> tuple[_Route, re.Match[str]] | None:
        if not path.startswith(self._prefixes):
            return None
        for entry in self.routes:
            if method in entry.methods:
                found = entry.pattern.match(path)
                if found is not None:
                    return entry, found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A root_path (behind a proxy that strips one) changes how Starlette reads the
        # path; overrides replace dependencies: FastAPI handles both.
        if scope["type"] == "http" and not scope.get("root_path"):
            matched = self._match(scope["method"], scope["path"])
            if (
                matched is not None
                and matched[0].plan is not None
                and not scope["app"].dependency_overrides
            ):
                await self._serve(matched[0], matched[1], scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(
        self, entry: _Route, found: re.Match[str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        plan = entry.plan
        assert plan is not None
        path_values = [found.group(name) for name in entry.parameters]
        scope["path_params"] = dict(zip(entry.parameters, path_values, strict=True))
        scope["endpoint"] = entry.route.endpoint
        scope["route"] = entry.route
        request = Request(scope, receive, send)
        values: list[Any] = [request, *path_values]
        try:
            async with AsyncExitStack() as exits:
                for call in plan.calls:
                    arguments = {keyword: values[slot] for keyword, slot in call.arguments}
                    if call.exits_after:
                        manager = call.function(**arguments)
                        values.append(await exits.enter_async_context(manager))
                    else:
                        values.append(await call.function(**arguments))
            response = values[-1]
            if not isinstance(response, Response):
                raise TypeError(f"{entry.route.path}: a direct route must return a Response")
        except Exception as error:
            handler = _exception_handler(scope["app"], error)
            if handler is None:
                raise
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, error)
            else:
                response = await run_in_threadpool(handler, request, error)
        await response(scope, receive, send)


def without_direct_routes(app: Starlette) -> Starlette:
    """``app`` with every request left to FastAPI, to compare the two (tests, benchmarks).
    Before the first request only: Starlette builds the middleware stack then."""
    added: list[Any] = app.user_middleware  # Starlette's own types hide the class
    app.user_middleware = [m for m in added if m.cls is not DirectRoutes]
    return app
