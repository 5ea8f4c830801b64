"""Headers set by the reverse proxy in front (`X-Forwarded-For`, `X-Forwarded-Proto`),
believed only from the proxies the settings trust (`server.trusted_proxies`): from
anyone else a client could rotate them to dodge rate limits or pass for https."""

from __future__ import annotations

import functools
import ipaddress

from aiohttp import web

from fair.settings import trusted_networks


@functools.lru_cache(maxsize=8)
def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return trusted_networks(text)


def forwarded(request: web.Request, header: str) -> str:
    """A `X-Forwarded-*` header's value, only when the request comes from one of the
    trusted reverse proxies (`server.trusted_proxies`); anyone else's is ignored."""
    value = request.headers.get(header, "")
    if not value or not request.remote:
        return ""
    try:
        address = ipaddress.ip_address(request.remote)
    except ValueError:  # a Unix socket
        return ""
    from web.keys import SETTINGS  # web.keys needs web.ratelimit, which needs this

    trusted = _networks(request.app[SETTINGS].server_trusted_proxies)
    return value if any(address in network for network in trusted) else ""
