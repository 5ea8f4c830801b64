"""One person's socket.io connection to one meeting room, as the room page keeps it:
reconnecting with back-off after drops and restarts, joining the room on every
(re)connect, acknowledged calls, and calls re-sent until acknowledged. `Stats` is what
the connections of one worker process tally.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any, ClassVar

NAMESPACE = "/meeting"


class Stats:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {
            "clients": 0,
            "events": 0,
            "errors": 0,
            "reconnects": 0,
            "drops": 0,
            "retries": 0,
            "signals_sent": 0,
            "signals_received": 0,
            "chats_received": 0,
            "deals_attempted": 0,
            "confirms_attempted": 0,
            "deal_events_missed": 0,
            "deal_events_missed_in_room": 0,
            "unacked_deals": 0,
            "unacked_confirms": 0,
        }
        # Each acknowledged call: [wall-clock start, event, ms to its answer].
        self.latency: list[tuple[float, str, float]] = []
        self.signal_ms: list[float] = []
        self.acked_deals: dict[str, int] = {}  # client key → deal id
        self.acked_confirms: list[int] = []
        self.error_samples: list[str] = []

    def unfinished(self, task: asyncio.Task[Any]) -> None:
        """A deal or confirmation still unacknowledged at the deadline."""
        self.counts["unfinished"] = self.counts.get("unfinished", 0) + 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"unacknowledged at the deadline: {task.get_name()}")

    def error(self, what: str) -> None:
        self.counts["errors"] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(what)


class RoomClient:
    """A connection of its own to the meeting room of visit `v` (see
    `bench.drill.prepare.plan_visits`), on the process `url`; gives up at `deadline`."""

    RETRYABLE: ClassVar[set[str]] = {"server", "not_joined", "unavailable"}

    def __init__(
        self, v: dict[str, Any], url: str, deadline: float, stats: Stats, http: Any
    ) -> None:
        self.v = v
        self.url = url
        self.deadline = deadline
        self.stats = stats
        self.joined = asyncio.Event()
        self.sid: str | None = None
        self.peer: str | None = None  # someone else in the room (their sid when known)
        self.in_room_since: float | None = None  # joined on the current connection at
        self.currency = ""  # the fair's, from the join acknowledgement
        self.leaving = False
        self.rng = random.Random(f"{v['meeting_id']}-{v['pid']}")
        self.tasks: set[asyncio.Task[Any]] = set()
        self.inflight: set[asyncio.Future[Any]] = set()
        self.http = http
        self.client = self._new_client()
        self.reconnecting = False

    def _new_client(self) -> Any:
        """A fresh client. Reconnecting is done here rather than by python-socketio,
        whose reconnect waits only 1 s for the namespace: under load that refuses
        connections the server already did the work for, again and again. Like the
        browser's socket.io client: back off 0.3–1.5 s, wait up to 10 s per attempt."""
        from bench.deployed import signed_in_client

        c = signed_in_client(self.v["headers"], reconnection=False, http_session=self.http)
        c.on("connect", self._on_connect, namespace=NAMESPACE)
        c.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        c.on("signal", self._on_signal, namespace=NAMESPACE)
        c.on("chat", self._on_chat, namespace=NAMESPACE)
        c.on("peer:joined", self._on_peer, namespace=NAMESPACE)
        return c

    def _spawn(self, coro: Any, name: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- events -----------------------------------------------------------------------

    async def _on_connect(self) -> None:
        self._spawn(self._join())

    async def _on_disconnect(self, reason: Any = None) -> None:
        self.joined.clear()
        self.in_room_since = None
        for call in list(self.inflight):  # their answers would have come on this connection
            call.cancel()
        if not self.leaving:
            self.stats.counts["drops"] += 1
            if not self.reconnecting:
                self._spawn(self._reconnect(), "reconnect")

    async def _reconnect(self) -> None:
        self.reconnecting = True
        try:
            await asyncio.sleep(self.rng.uniform(0.3, 1.0))
            await self._connect()
        finally:
            self.reconnecting = False

    async def _on_peer(self, data: dict[str, Any]) -> None:
        if isinstance(data, dict) and data.get("participant") != self.v["pid"]:
            self.peer = str(data.get("sid") or "")

    async def _on_signal(self, data: dict[str, Any]) -> None:
        to = data.get("to")
        if to and to != self.sid:
            return  # addressed to someone else in the room
        if data.get("from"):
            self.peer = str(data["from"])
        body = data.get("candidate") or data.get("description") or {}
        if isinstance(body, dict) and "ts" in body:
            self.stats.counts["signals_received"] += 1
            self.stats.signal_ms.append((time.time() - float(body["ts"])) * 1000)

    async def _on_chat(self, data: dict[str, Any]) -> None:
        self.stats.counts["chats_received"] += 1

    def _in_room(self, ack: dict[str, Any]) -> None:
        """What a subclass does with each successful join's acknowledgement."""

    # -- calls ------------------------------------------------------------------------

    async def _call(self, event: str, data: Any, timeout: float = 15) -> dict[str, Any] | None:
        """One acknowledged emit; None when it got no answer (timeout, disconnect)."""
        self.stats.counts["events"] += 1
        started, t0 = time.time(), time.perf_counter()
        call = asyncio.ensure_future(
            self.client.call(event, data, namespace=NAMESPACE, timeout=timeout)
        )
        self.inflight.add(call)
        try:
            await asyncio.wait({call})
        finally:
            self.inflight.discard(call)
        if call.cancelled() or call.exception() is not None:
            return None  # no answer: timed out, or the connection it went out on closed
        ack = call.result()
        self.stats.latency.append((started, event, (time.perf_counter() - t0) * 1000))
        return ack if isinstance(ack, dict) else {"ok": False, "error": {"code": "bad_ack"}}

    async def _join(self) -> None:
        ack = await self._call("join", {"meeting": self.v["meeting"]})
        if ack is None:
            # No answer: if still connected, ask again; if not, the next connect joins.
            if self.client.connected and not self.joined.is_set() and not self.leaving:
                self.stats.counts["retries"] += 1
                self._spawn(self._join())
            return
        if not ack.get("ok"):
            code = ack.get("error", {}).get("code")
            if code in self.RETRYABLE:
                self.stats.counts["retries"] += 1
                await asyncio.sleep(0.3)
                if self.client.connected and not self.joined.is_set():
                    self._spawn(self._join())
                return
            self.stats.error(f"join: {ack.get('error')}")
            return
        self.sid = ack["you"]["sid"]
        self.currency = ack["meeting"]["currency"]
        self.joined.set()
        self.in_room_since = time.time()
        if any(
            p.get("online") and p.get("participant") != self.v["pid"]
            for p in ack.get("presence", [])
        ):
            self.peer = self.peer or ""  # someone is there; their sid comes with a signal
        self._in_room(ack)

    async def _until_joined(self) -> bool:
        remaining = self.deadline - time.time()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(self.joined.wait(), remaining)
            return True
        except TimeoutError:
            return False

    async def _reliably(self, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """Send until acknowledged (same data, so the same client key) or the deadline."""
        first = True
        while time.time() < self.deadline:
            if not await self._until_joined():
                break
            if not first:
                self.stats.counts["retries"] += 1
            first = False
            ack = await self._call(event, data)
            if ack is None:
                await asyncio.sleep(0.2)
                continue
            if ack.get("ok"):
                return ack
            code = ack.get("error", {}).get("code")
            if code in self.RETRYABLE:
                await asyncio.sleep(0.3)
                continue
            self.stats.error(f"{event}: {ack.get('error')}")
            return None
        return None

    async def _connect(self) -> bool:
        """Connect (and so join: see `_on_connect`), backing off between attempts; False
        when the deadline came first or the visit is leaving."""
        delay = 0.3
        while time.time() < self.deadline and not self.leaving:
            try:
                await self.client.connect(
                    self.url,
                    namespaces=[NAMESPACE],
                    transports=["websocket"],
                    wait_timeout=10,
                )
                return True
            except Exception:
                self.stats.counts["retries"] += 1
                with contextlib.suppress(Exception):
                    await self.client.disconnect()
                self.client = self._new_client()
                await asyncio.sleep(delay * self.rng.uniform(0.5, 1.5))
                delay = min(delay * 2, 1.5)
        return False
