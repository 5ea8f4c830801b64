"""A client of the Janus WebRTC Server's HTTP API (janus.plugin.videoroom), used by the
stage when `stage.janus_url` is set (docs/realtime.md, docs/deploy.md).

Browsers never talk to Janus's API: the app relays their SDP offers/answers and ICE
candidates, and only media flows between a browser and Janus. Every request carries the
API secret; rooms are created with the plugin's `admin_key`, each with its own secret
(needed to change or destroy it), pin (needed to join it) and `allowed` list (a
participant joins only with a token the app added for them).

One `JanusSession` per server process holds every handle of the process's stage
connections; a long poll reads its events (which also keeps the session alive), answers
the requests waiting for an asynchronous reply by transaction, and hands the other
events (a hang-up, a new offer after a renegotiation) to the handle's listener. When the
process dies Janus times the session out and drops its handles, so its publishers and
viewers leave the rooms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger("fair.realtime.janus")
PLUGIN = "janus.plugin.videoroom"
REQUEST_SECONDS = 10.0  # a request (or its asynchronous reply) must come within this
POLL_EVENTS = 20  # events read per long poll at most

Listener = Callable[[dict[str, Any]], None]


class JanusError(Exception):
    """Janus refused a request: `code` is the Janus or VideoRoom error code (433: not
    allowed, 428: no such feed, 426: no such room...)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"janus error {code}: {reason}")
        self.code = code
        self.reason = reason


def _txn() -> str:
    return secrets.token_hex(8)


def _check(reply: dict[str, Any]) -> dict[str, Any]:
    if reply.get("janus") == "error":
        error = reply.get("error") or {}
        raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
    data: dict[str, Any] = (reply.get("plugindata") or {}).get("data") or {}
    if "error_code" in data:
        raise JanusError(int(data["error_code"]), str(data.get("error", "")))
    return reply


@dataclass
class Janus:
    """One Janus server: its HTTP API URL (`http://127.0.0.1:8088/janus`), the API secret
    every request carries, and the VideoRoom `admin_key` that creating a room needs."""

    url: str
    api_secret: str = ""
    admin_key: str = ""
    http: aiohttp.ClientSession | None = None
    _own_http: bool = field(default=False, init=False)

    def _client(self) -> aiohttp.ClientSession:
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_SECONDS + 40)
            )
            self._own_http = True
        return self.http

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {"transaction": _txn(), **body}
        if self.api_secret:
            body["apisecret"] = self.api_secret
        async with self._client().post(self.url.rstrip("/") + path, json=body) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
        return _check(reply)

    async def get(self, path: str, params: dict[str, str]) -> Any:
        if self.api_secret:
            params = {**params, "apisecret": self.api_secret}
        async with self._client().get(self.url.rstrip("/") + path, params=params) as response:
            return await response.json(content_type=None)

    async def session(self) -> JanusSession:
        reply = await self.post("", {"janus": "create"})
        found = JanusSession(self, int(reply["data"]["id"]))
        found.start()
        return found

    async def info(self) -> dict[str, Any]:
        """The server's `info` (version, plugins): a cheap check that it answers."""
        async with self._client().get(self.url.rstrip("/") + "/info") as response:
            reply: dict[str, Any] = await response.json(content_type=None)
        return reply

    async def close(self) -> None:
        if self._own_http and self.http is not None:
            await self.http.close()


@dataclass
class JanusSession:
    janus: Janus
    id: int
    _waiting: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _listeners: dict[int, Listener] = field(default_factory=dict)
    _poll: asyncio.Task[None] | None = None
    closed: bool = False

    def start(self) -> None:
        self._poll = asyncio.ensure_future(self._read_events())

    async def _read_events(self) -> None:
        failures = 0
        while not self.closed:
            try:
                events = await self.janus.get(f"/{self.id}", {"maxev": str(POLL_EVENTS)})
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a restart of Janus, a network blip
                failures += 1
                log.warning("janus session %s: long poll failed (%s)", self.id, exc)
                if failures >= 5:
                    self.closed = True
                    for waiter in self._waiting.values():
                        if not waiter.done():
                            waiter.set_exception(JanusError(0, "the media server went away"))
                    for listener in list(self._listeners.values()):
                        listener({"janus": "hangup", "reason": "media server gone"})
                    return
                await asyncio.sleep(min(failures, 3))
                continue
            for event in events if isinstance(events, list) else [events]:
                self._dispatch(event)

    def _dispatch(self, event: dict[str, Any]) -> None:
        kind = event.get("janus")
        if kind in {"keepalive", "ack"}:
            return
        waiter = self._waiting.pop(str(event.get("transaction", "")), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(event)
            return
        listener = self._listeners.get(int(event.get("sender") or 0))
        if listener is not None:
            try:
                listener(event)
            except Exception:
                log.exception("janus event listener failed on %s", kind)

    async def attach(self, listener: Listener | None = None) -> JanusHandle:
        reply = await self.janus.post(f"/{self.id}", {"janus": "attach", "plugin": PLUGIN})
        handle = JanusHandle(self, int(reply["data"]["id"]))
        if listener is not None:
            self._listeners[handle.id] = listener
        return handle

    async def destroy(self) -> None:
        self.closed = True
        if self._poll is not None:
            self._poll.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poll
        with contextlib.suppress(Exception):
            await self.janus.post(f"/{self.id}", {"janus": "destroy"})


@dataclass
class JanusHandle:
    session: JanusSession
    id: int

    @property
    def path(self) -> str:
        return f"/{self.session.id}/{self.id}"

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """A synchronous VideoRoom request (create, destroy, allowed, kick, exists,
        listparticipants): its plugin data, or JanusError."""
        reply = await self.session.janus.post(self.path, {"janus": "message", "body": body})
        data: dict[str, Any] = reply["plugindata"]["data"]
        return data

    async def message(
        self, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """An asynchronous VideoRoom request (join, publish, start, update): waits for
        its event and returns (plugin data, jsep or None), or raises JanusError."""
        txn = _txn()
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.session._waiting[txn] = waiter
        payload: dict[str, Any] = {"janus": "message", "body": body, "transaction": txn}
        if jsep is not None:
            payload["jsep"] = jsep
        try:
            await self.session.janus.post(self.path, payload)
            event = _check(await asyncio.wait_for(waiter, REQUEST_SECONDS))
        finally:
            self.session._waiting.pop(txn, None)
        return (event.get("plugindata") or {}).get("data") or {}, event.get("jsep")

    async def trickle(self, candidate: dict[str, Any] | None) -> None:
        """A browser's ICE candidate (None: gathering completed)."""
        body: dict[str, Any] = {"janus": "trickle"}
        body["candidate"] = candidate if candidate else {"completed": True}
        await self.session.janus.post(self.path, body)

    async def detach(self) -> None:
        self.session._listeners.pop(self.id, None)
        with contextlib.suppress(Exception):
            await self.session.janus.post(self.path, {"janus": "detach"})


@dataclass(frozen=True)
class MediaServer:
    """Where the stage's media goes (settings `stage.janus_url`, `stage.janus_capacity`,
    FAIR_JANUS_API_SECRET, FAIR_JANUS_ADMIN_KEY); `secret` (the app's secret key) derives
    each room's secret and pin, so every server process computes the same ones. `url`
    may list several instances, comma-separated (`urls`); all share the API secret and
    admin key, and `capacity` is each one's. `recordings` (`stage.recordings_dir`) is
    where Janus records the hosts' feeds, empty for none."""

    url: str
    api_secret: str
    admin_key: str
    capacity: int
    secret: str
    recordings: str = ""

    @property
    def urls(self) -> tuple[str, ...]:
        return janus_urls(self.url)


def janus_urls(text: str) -> tuple[str, ...]:
    """The Janus instances of `stage.janus_url`: its comma-separated URLs, in order."""
    return tuple(part.strip() for part in text.split(",") if part.strip())
