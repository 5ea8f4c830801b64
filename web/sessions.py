"""Signed session cookies: who is signed in (an organiser or a participant) and the
CSRF token of their forms.

The cookie holds a small JSON payload and an HMAC-SHA256 of it under the secret key, so
it cannot be forged or altered; it is HttpOnly, SameSite=Lax, and Secure when the site is
served over TLS. It expires after `MAX_AGE`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from aiohttp import web

from web.forwarded import forwarded

COOKIE = "fair_session"
MAX_AGE = 14 * 24 * 3600


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def encode(secret: str, data: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return f"{payload.decode()}.{_sign(secret, payload)}"


def decode(secret: str, value: str) -> dict[str, Any]:
    try:
        payload, signature = value.rsplit(".", 1)
    except ValueError:
        return {}
    if not hmac.compare_digest(_sign(secret, payload.encode()), signature):
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, json.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("exp", 0) < time.time():
        return {}
    return data


def new_session(**values: Any) -> dict[str, Any]:
    """A session's data: who (`o` organiser or `p` participant with `t` the hash of the
    link that opened it), its CSRF token, when it was issued (`iat`, compared with the
    person's sign-out: `fair.accounts.session_live`) and when it expires."""
    now = time.time()
    return {
        **values,
        "csrf": secrets.token_urlsafe(24),
        "iat": round(now, 3),
        "exp": int(now) + MAX_AGE,
    }


def holder(data: dict[str, Any]) -> str:
    """Whose session this is, as `fair.accounts` names it ("" for nobody)."""
    if data.get("o") is not None:
        return f"o:{data['o']}"
    if data.get("p") is not None:
        return f"p:{data['p']}"
    return ""


def store(
    response: web.StreamResponse, request: web.Request, secret: str, data: dict[str, Any]
) -> None:
    secure = request.secure or forwarded(request, "X-Forwarded-Proto") == "https"
    response.set_cookie(
        COOKIE,
        encode(secret, data),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )


def clear(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")
