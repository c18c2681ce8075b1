"""The minimal ASGI endpoint of the baseline: served by the same uvicorn, loop and HTTP
parser as the DMP, it answers every request with a small FHIR-shaped JSON after reading
the whole body. What the DMP achieves divided by what this achieves is the share of the
server stack's ceiling the application keeps.

    uvicorn benchmarks.harness.baseline_app:app
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Message = dict[str, Any]
_BODY = b'{"resourceType":"Bundle","type":"searchset","total":0,"entry":[]}'
_HEADERS = [
    (b"content-type", b"application/fhir+json"),
    (b"content-length", str(len(_BODY)).encode()),
]


async def app(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    # Read the body to the end, as the DMP must for a 100 KiB provide.
    more = True
    while more:
        message = await receive()
        more = bool(message.get("more_body"))
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
