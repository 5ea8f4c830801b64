"""Rate limits for the endpoints that attract guessing and floods: sign-in, personal
links and feeds, issuing links, self-registration and its confirmations, deal recording
over HTTP (deals recorded in a meeting room over socket.io are limited by
`realtime.meetings`, with the same counter).

A sliding window per (rule, client address). With a Redis URL the counters live in Redis,
so several server processes share one limit; otherwise in this process's memory. Over
the limit the request gets 429 with Retry-After, before any work is done
(`web.middleware.rate_limits`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from web.forwarded import forwarded

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # requests per window
    window: int  # seconds
    methods: frozenset[str]
    prefixes: tuple[str, ...]


RULES = (
    Rule("login", 10, 60, frozenset({"POST"}), ("/login",)),
    Rule("links", 30, 60, frozenset({"GET"}), ("/p/", "/feed/")),
    # Issuing, e-mailing and revoking personal links, and new calendar feed links.
    Rule("issue", 60, 60, frozenset({"POST"}), ("/organiser/participants/", "/me/feed")),
    Rule("deals", 60, 60, frozenset({"POST", "PUT"}), ("/api/deals", "/api/me/deals")),
    # A busy-time upload is read by a worker process under a budget of seconds of CPU.
    Rule("busy", 12, 60, frozenset({"POST"}), ("/me/busy",)),
    # Self-registration: the public form, and the confirmation links it mails.
    Rule("register", 20, 3600, frozenset({"POST"}), ("/fair/register/",)),
    Rule("confirm", 30, 60, frozenset({"GET"}), ("/fair/register/confirm/",)),
)


class Counter(Protocol):
    """Counts one event under a key in a sliding window of `window` seconds; `hit`
    returns (events in the window, seconds until the oldest leaves it)."""

    async def hit(self, key: str, window: int) -> tuple[int, int]: ...

    async def close(self) -> None: ...


class MemoryCounter:
    """Sliding window: the requests of the last `window` seconds, per key."""

    def __init__(self) -> None:
        self.hits: dict[str, deque[float]] = {}

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        now = time.monotonic()
        if len(self.hits) > 100_000:  # forget quiet clients; bounded memory
            self.hits = {k: v for k, v in self.hits.items() if v and v[-1] > now - window}
        recent = self.hits.setdefault(key, deque())
        while recent and recent[0] <= now - window:
            recent.popleft()
        recent.append(now)
        return len(recent), max(1, int(recent[0] + window - now) + 1)

    async def close(self) -> None:
        """Nothing to release: the counts live in this process's memory."""


class RedisCounter:
    """The same sliding window in a Redis sorted set, shared by every process.

    While Redis is away the limits hold per process (a `MemoryCounter`), so sign-in,
    personal links and feeds keep working instead of failing with the limiter."""

    def __init__(self, url: str, *, timeout: float = 1, wait: float = 2) -> None:
        import redis.asyncio as redis

        # Short timeouts (`timeout` s to connect or answer): a limiter that waits long on
        # a dead Redis holds up the page. A bounded pool that makes a burst wait for a
        # free connection (up to `wait` s) rather than fail: redis-py's default pool
        # raised MaxConnectionsError under a burst of deals, and the limits silently
        # fell back to per process.
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=32,
            timeout=wait,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
        )
        self.client: Any = redis.Redis.from_pool(pool)  # closing it closes the pool
        self.fallback = MemoryCounter()
        self.away_since: float | None = None

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        from redis.exceptions import RedisError

        try:
            found = await self._hit(key, window)
        except (RedisError, OSError) as exc:
            if self.away_since is None:
                self.away_since = time.monotonic()
                log.warning("rate limits per process: Redis unreachable (%s)", type(exc).__name__)
            return await self.fallback.hit(key, window)
        if self.away_since is not None:
            self.away_since = None
            log.warning("rate limits shared again: Redis is back")
        return found

    async def _hit(self, key: str, window: int) -> tuple[int, int]:
        now = time.time()
        name = f"fair:rate:{key}"
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(name, 0, now - window)
        pipe.zadd(name, {f"{now}:{uuid.uuid4().hex[:8]}": now})
        pipe.zcard(name)
        pipe.zrange(name, 0, 0, withscores=True)
        pipe.expire(name, window + 1)
        _, _, count, oldest, _ = await pipe.execute()
        first = float(oldest[0][1]) if oldest else now
        return int(count), max(1, int(first + window - now) + 1)

    async def close(self) -> None:
        await self.client.aclose()


def client_address(request: web.Request) -> str:
    # Behind a trusted reverse proxy (`server.trusted_proxies`) the client is the first
    # X-Forwarded-For entry; the proxy must overwrite that header (docs/deploy.md). From
    # anyone else the header is ignored: a client cannot rotate it to dodge the limits.
    sent = forwarded(request, "X-Forwarded-For")
    return sent.split(",")[0].strip() or (request.remote or "unknown")
