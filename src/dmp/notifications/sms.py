"""SMS channel: a ``SmsGateway`` protocol, an HTTP gateway adapter for production and a
file sink (one JSON file per SMS under ``var/sms``) for development and tests."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import orjson

from dmp.config import Settings
from dmp.kit.clock import Clock, system_clock


class SmsDeliveryFailed(Exception):
    """The gateway refused the message or could not be reached. ``permanent``: the
    gateway refused this message itself (bad number), retrying cannot help."""

    def __init__(self, detail: str, *, permanent: bool = False, kind: str = "") -> None:
        super().__init__(detail)
        self.permanent = permanent
        self.kind = kind  # safe to store: never the number


# Answers that condemn the message itself; others (auth, rate limit, 5xx) may pass later.
_PERMANENT_STATUSES = frozenset({400, 404, 410, 422})


class SmsGateway(Protocol):
    async def send(self, *, to: str, text: str) -> None: ...


def to_e164(mobile: str) -> str:
    """Gateways want international numbers; contacts keep the French ``06…`` form."""
    digits = mobile.replace(" ", "").replace(".", "")
    if digits.startswith("+"):
        return digits
    if digits.startswith("0") and len(digits) == 10:
        return "+33" + digits[1:]
    return digits


@dataclass(frozen=True, slots=True)
class HttpSmsGateway:
    """POSTs ``{"from", "to", "text"}`` as JSON with a bearer token: the common shape of
    SMS APIs; a provider needing another shape gets its own small adapter."""

    url: str
    sender: str
    token: str = ""
    timeout: float = 10.0
    transport: httpx.AsyncBaseTransport | None = None  # tests plug a mock transport

    async def send(self, *, to: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = {"from": self.sender, "to": to_e164(to), "text": text}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsDeliveryFailed(f"{self.url}: {exc}", kind=type(exc).__name__) from exc
        if response.status_code >= 300:
            raise SmsDeliveryFailed(
                f"{self.url}: HTTP {response.status_code}",
                permanent=response.status_code in _PERMANENT_STATUSES,
                kind=f"HTTP {response.status_code}",
            )


@dataclass(frozen=True, slots=True)
class FileSmsSink:
    """Writes each SMS as a JSON file, so a developer can read the codes they "received"."""

    folder: Path
    sender: str = "DMP"
    clock: Clock = system_clock

    async def send(self, *, to: str, text: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {
            "from": self.sender,
            "to": to_e164(to),
            "text": text,
            "at": self.clock.now().isoformat(),
        }
        # Nanosecond prefix: files sort in sending order even within one frozen instant.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        (self.folder / name).write_bytes(orjson.dumps(record))

    def messages(self) -> list[dict[str, Any]]:
        if not self.folder.exists():
            return []
        return [orjson.loads(path.read_bytes()) for path in sorted(self.folder.glob("*.json"))]


def sms_gateway_from(settings: Settings, *, clock: Clock = system_clock) -> SmsGateway:
    if settings.sms_gateway_url is not None:
        return HttpSmsGateway(
            url=str(settings.sms_gateway_url),
            sender=settings.sms_sender,
            token=settings.sms_gateway_token,
        )
    return FileSmsSink(settings.effective_sms_dir, sender=settings.sms_sender, clock=clock)
