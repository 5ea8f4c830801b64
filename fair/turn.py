"""TURN credentials that expire with the meeting (coturn's `use-auth-secret`).

The TURN REST scheme shares one secret between the app and the TURN server: the app
mints a username `<unix expiry>:<who>` and a credential
`base64(HMAC-SHA1(secret, username))`; the TURN server recomputes the credential from
the username and refuses it once the expiry has passed. Nothing is stored: a forged
username has the wrong credential, and an old one is past its expiry.

Each participant gets their own username for each meeting (or roadshow stage), expiring
`rooms.turn_ttl_minutes` after it ends (docs/deploy.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


def rest_credential(secret: str, username: str) -> str:
    """The TURN REST credential of a username: base64(HMAC-SHA1(secret, username))."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def expiry(end: datetime, ttl_minutes: int) -> int:
    """Unix time at which credentials for something ending at `end` stop working.

    A naive `end` is UTC (as the database stores it).
    """
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return int((end + timedelta(minutes=ttl_minutes)).timestamp())


@dataclass(frozen=True)
class Turn:
    """The TURN servers (`rooms.turn_urls`) and the secret shared with them."""

    urls: tuple[str, ...]
    secret: str
    ttl_minutes: int = 30

    def ice_server(self, who: str, end: datetime) -> dict[str, Any]:
        """An `RTCIceServer` with credentials for `who` (a participant id, or
        `organiser-<id>`) that work until `ttl_minutes` after `end`."""
        if not who or ":" in who:
            raise ValueError(f"TURN user must be non-empty without ':', got {who!r}")
        username = f"{expiry(end, self.ttl_minutes)}:{who}"
        return {
            "urls": list(self.urls),
            "username": username,
            "credential": rest_credential(self.secret, username),
        }
