"""What protects the pages shown before a session exists (login, online creation): an
anti-forgery token bound to a browser cookie, and short-lived sealed state carried from
one step to the next (a login's pending code, a creation's first step, the credentials
shown once).

Sealed state is AES-256-GCM under a key derived from the master key, bound to its
purpose and carrying its expiry: a value copied to another step, edited or kept too long
does not open. Nothing of it is stored server-side.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from dmp.auth.login_errors import CsrfRefused
from dmp.auth.sessions import masked_csrf_token
from dmp.crypto import DataKey
from dmp.runtime import Runtime

FORM_COOKIE = "dmp_form"
CSRF_FIELD = "csrf_token"


def _https(rt: Runtime) -> bool:
    return rt.settings.public_base_url.startswith("https://")


def set_private_cookie(
    response: Response, rt: Runtime, name: str, value: str, *, max_age: int | None, path: str
) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure
    whenever the service is served over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=_https(rt),
    )


def clear_private_cookie(response: Response, rt: Runtime, name: str, *, path: str) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=_https(rt))


# --- anti-forgery before login ----------------------------------------------------------


def form_secret(request: Request) -> tuple[str, bool]:
    """The browser's form secret, and whether it is new (then the response must set it)."""
    current = request.cookies.get(FORM_COOKIE, "")
    if len(current) == 64 and all(c in "0123456789abcdef" for c in current):
        return current, False
    return secrets.token_hex(32), True


def anonymous_csrf_token(secret: str) -> str:
    return masked_csrf_token(secret)


def check_anonymous_csrf(request: Request, presented: str | None) -> None:
    """The double-submit check: the form carries a masked copy of the cookie's secret,
    which a page of another site can neither read nor make the browser send."""
    secret = request.cookies.get(FORM_COOKIE, "")
    try:
        expected = bytes.fromhex(secret)
        raw = bytes.fromhex(presented or "")
    except ValueError:
        raise CsrfRefused() from None
    if not expected or len(raw) != 2 * len(expected):
        raise CsrfRefused()
    pad, body = raw[: len(expected)], raw[len(expected) :]
    unmasked = bytes(a ^ b for a, b in zip(body, pad, strict=True))
    if not hmac.compare_digest(unmasked, expected):
        raise CsrfRefused()


# --- sealed state between steps ------------------------------------------------------------


def _key(rt: Runtime) -> DataKey:
    derived = hmac.new(
        rt.settings.master_key_bytes, b"dmp/patient-portal/state/v1", hashlib.sha256
    ).digest()
    return DataKey(derived)


def seal(rt: Runtime, purpose: str, value: dict[str, Any], *, seconds: int) -> str:
    payload = orjson.dumps({"v": value, "exp": int(time.time()) + seconds})
    sealed = _key(rt).encrypt(payload, aad=purpose.encode())
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(rt: Runtime, purpose: str, token: str | None) -> dict[str, Any] | None:
    """The value, or None when absent, tampered with, meant for another step or expired."""
    if not token or len(token) > 8192:
        return None
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = orjson.loads(_key(rt).decrypt(blob, aad=purpose.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("exp", 0) < time.time():
        return None
    value = payload.get("v")
    return value if isinstance(value, dict) else None
