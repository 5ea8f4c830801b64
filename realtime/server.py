"""The socket.io server: built by the app factory, never a module global.

With a Redis URL, python-socketio's `AsyncRedisManager` relays emits between server
processes so rooms span all of them; without one, rooms live in this process.

Besides the no-show sweep, every process runs its `Liveness`: a heartbeat in the database,
and a sweep that takes the connections of processes whose heartbeat stopped (crashed,
SIGKILLed, machine gone) off presence and audience, then tells the rooms and dashboards.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import os
import re
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import socketio
from sqlmodel import Session

from fair import instances, presence
from fair import stage as st
from fair.db import session_scope
from fair.errors import FairError
from fair.instances import Released
from fair.presence import Room
from fair.rooms import meeting_room, stage_room
from realtime.base import now
from realtime.dashboard import DashboardNamespace
from realtime.meetings import MeetingNamespace
from realtime.namespaces import Identify
from realtime.notices import NoticesNamespace
from realtime.offers import SlotOffers
from realtime.services import RoomServices
from realtime.sessions import SessionWatch
from realtime.solver import OrganiserNamespace
from realtime.stage import StageNamespace

REDIS_POOL = 32  # connections per process; publishers wait for one instead of failing
# After Redis went away the subscription is made again after this long, then at most
# every LISTEN_RETRY_MAX seconds (python-socketio's own: after 1, 2, 4 ... 60 s).
LISTEN_RETRY_FIRST = 0.1
LISTEN_RETRY_MAX = 0.5
PUBLISH_BATCH = 500  # messages per pipeline
GC_THRESHOLDS = (50_000, 20, 100)  # CPython's defaults: 700, 10, 10
SWITCH_INTERVAL = 0.001  # seconds; CPython's default: 0.005
log = logging.getLogger("fair.realtime.server")
T = TypeVar("T")


class RedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """`AsyncRedisManager` on a bounded *blocking* connection pool, publishing in batches.

    With the default pool, redis-py raises as soon as its connections are all busy; the
    manager then reconnects and, after one retry, drops the message (measured: nearly
    all relayed messages lost at 1,000 clients x 2 msg/s on two processes). Waiting for a
    free connection keeps every message. Publishes are queued and sent by one task as a
    pipeline (one round trip for everything queued meanwhile), in order; the wire format
    is unchanged, so processes with and without batching interoperate.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._outbox: list[str] = []
        self._sender: asyncio.Task[None] | None = None

    def _redis_connect(self) -> None:
        import redis.asyncio as aioredis

        pool = aioredis.BlockingConnectionPool.from_url(
            self.redis_url, max_connections=REDIS_POOL, timeout=30
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        """Redis's messages on the channel, subscribing again whenever Redis went away.

        Room events published by the other processes while this one is not subscribed
        are lost, so the subscription is retried soon and often: python-socketio's own
        loop waited 1, 2, 4 s and more, and after a Redis restart a process missed seconds
        of the others' deals and signals (the drill's "deal notices")."""
        wait = LISTEN_RETRY_FIRST
        subscribed = failing = False
        while True:
            try:
                if not subscribed:
                    if failing:  # the old connections died with Redis: close them
                        await self.close_clients()
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    subscribed, wait = True, LISTEN_RETRY_FIRST
                    if failing:
                        log.warning("subscribed to Redis again")
                        failing = False
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:
                if not failing:
                    log.error("Redis subscription lost (%s); subscribing again", exc)
                    failing = True
                subscribed = False
                await asyncio.sleep(wait)
                wait = min(wait * 2, LISTEN_RETRY_MAX)

    async def close_clients(self) -> None:
        """Close the subscription and the connection pool (a publish still using them
        fails and is retried on new ones)."""
        for client in (getattr(self, "pubsub", None), getattr(self, "redis", None)):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _publish(self, data: Any) -> None:
        self._outbox.append(self.json.dumps(data))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._send())

    async def _send(self) -> None:
        while self._outbox:
            batch, self._outbox = self._outbox[:PUBLISH_BATCH], self._outbox[PUBLISH_BATCH:]
            for attempt in (1, 2, 3):
                try:
                    if not self.connected:
                        self._redis_connect()
                    async with self.redis.pipeline(transaction=False) as pipe:
                        for message in batch:
                            pipe.publish(self.channel, message)
                        await pipe.execute()
                    break
                except Exception as exc:
                    self.connected = False
                    self._get_logger().error(
                        "Cannot publish %d messages to redis (attempt %d): %s",
                        len(batch),
                        attempt,
                        exc,
                    )
                    await asyncio.sleep(0.1 * attempt)


class ConnectionCaps:
    """Open connections (engine.io: one per page, whatever namespaces it uses) per
    person and per client address on this process. Each costs memory for as long as it
    is open (measured: 2,000 from one participant took a process from 222 MB to 1.94
    GB), so a client over a cap is refused at the handshake (HTTP 401 with the reason)
    before anything is kept for it."""

    def __init__(
        self,
        per_person: int,
        per_address: int,
        identify: Identify,
        address: Callable[[Mapping[str, Any]], str],
    ) -> None:
        self.per_person = per_person
        self.per_address = per_address
        self.identify = identify
        self.address = address
        self.holders: dict[str, tuple[str, ...]] = {}  # eio sid → its keys
        self.counts: collections.Counter[str] = collections.Counter()
        self.refused = 0

    def admit(self, eio_sid: str, environ: Mapping[str, Any]) -> str | None:
        """Count the connection in, or say why it is refused."""
        who = self.identify(environ) or {}
        keys: list[str] = []
        for kind, field in (("o", "organiser"), ("p", "participant")):
            if who.get(field) is not None:
                keys.append(f"{kind}:{who[field]}")
        person = keys[0] if keys else None
        address = f"a:{self.address(environ)}"
        if person is not None and self.counts[person] >= self.per_person:
            self.refused += 1
            return f"too many open connections for one person (at most {self.per_person})"
        if self.counts[address] >= self.per_address:
            self.refused += 1
            return f"too many open connections from one address (at most {self.per_address})"
        held = (address,) if person is None else (person, address)
        self.holders[eio_sid] = held
        self.counts.update(held)
        return None

    def release(self, eio_sid: str) -> None:
        for key in self.holders.pop(eio_sid, ()):
            self.counts[key] -= 1
            if self.counts[key] <= 0:
                del self.counts[key]


PACKET_HEAD = re.compile(r"^(\d)(/[^,]{0,100},)?(\d{1,9})?")


class Server(socketio.AsyncServer):  # type: ignore[misc]
    """The socket.io server, answering packets it cannot decode (JSON nested past the
    parser's depth, integers of thousands of digits, nonsense) with an error
    acknowledgement where the packet asked for one, instead of python-socketio's silence
    and a logged traceback per packet; such refusals are logged once a minute, counted."""

    refused = 0
    _logged_at = 0.0
    # Ends the connections of sessions that ended (with live rooms; `create_server`).
    session_watch: SessionWatch | None = None
    caps: ConnectionCaps | None = None
    stage: StageNamespace | None = None  # the roadshow stages (`create_server`)

    async def _handle_eio_connect(self, eio_sid: str, environ: Any) -> Any:
        if self.caps is not None:
            refused = self.caps.admit(eio_sid, environ)
            if refused is not None:
                return {"message": refused, "code": "too_many"}  # engine.io answers 401
        try:
            return await super()._handle_eio_connect(eio_sid, environ)
        except BaseException:
            if self.caps is not None:
                self.caps.release(eio_sid)
            raise

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any = None) -> None:
        try:
            await super()._handle_eio_disconnect(eio_sid, reason)
        finally:
            if self.caps is not None:
                self.caps.release(eio_sid)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
            await self._refuse_packet(eio_sid, data, exc)

    async def _refuse_packet(self, eio_sid: str, data: Any, exc: BaseException) -> None:
        Server.refused += 1
        moment = time.monotonic()
        if moment - Server._logged_at > 60:
            Server._logged_at = moment
            log.warning(
                "refused undecodable socket.io packets (%d so far; the last: %s)",
                Server.refused,
                type(exc).__name__,
            )
        head = PACKET_HEAD.match(data) if isinstance(data, str) else None
        if head is None or head.group(1) != str(socketio.packet.EVENT) or not head.group(3):
            return
        namespace = (head.group(2) or "/,")[:-1]
        if not self.manager.sid_from_eio_sid(eio_sid, namespace):
            return  # not connected to that namespace: nothing to answer
        message = "malformed packet: nested too deeply, a number too long, or not JSON"
        error = {"ok": False, "error": {"code": "invalid", "message": message}}
        ack = self.packet_class(
            socketio.packet.ACK, namespace=namespace, data=[error], id=int(head.group(3))
        )
        await self._send_packet(eio_sid, ack)


class NoRoot(socketio.AsyncNamespace):  # type: ignore[misc]
    """`/`: no page uses it, so nobody may connect to it (python-socketio would take
    anyone, signed in or not, and keep the connection)."""

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        raise socketio.exceptions.ConnectionRefusedError(
            "no such namespace: connect to /meeting, /stage, /notices, /dashboard or /organiser",
            {"code": "namespace"},
        )


def tune_interpreter() -> None:
    """After start-up: keep everything loaded so far out of the collector, and collect
    less often. A full collection over thousands of connections' objects is a pause every
    client feels (measured: bare python-socketio p99 250 ms at 2,000 clients, 6 ms without
    the collector).

    And hand the GIL over every `SWITCH_INTERVAL` rather than every 5 ms: the database
    work runs in executor threads, and each statement's answer waits for the GIL while the
    event loop holds it. At a slot change a dozen statements of one batch waited 4-7 ms
    each, most of a join's time (docs/realtime.md, "What a join costs")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLDS[0], GC_THRESHOLDS[1], GC_THRESHOLDS[2])
    sys.setswitchinterval(SWITCH_INTERVAL)


def create_server(
    redis_url: str,
    identify: Identify,
    rooms: RoomServices | None = None,
    max_message: int = 64 * 1024,
    caps: ConnectionCaps | None = None,
) -> socketio.AsyncServer:
    """A socket.io server; `identify(environ)` tells who a connecting client is. With
    `rooms`, the live meeting rooms (`/meeting`), dashboards (`/dashboard`), stages
    (`/stage`) and announcements (`/notices`) too.
    A client that sends a message over `max_message` bytes is disconnected (websocket:
    close 1009; long-polling: 400); `caps` bound the open connections per person and
    per client address."""
    manager: Any = None
    if redis_url:
        manager = RedisManager(redis_url)
    server = Server(
        async_mode="aiohttp",
        client_manager=manager,
        # None = only the page's own origin (the Host, or X-Forwarded-Host/-Proto behind
        # a proxy); `[]` would turn the Origin check off and let any site connect.
        cors_allowed_origins=None,
        max_http_buffer_size=max_message,
        ping_interval=20,
        ping_timeout=20,
    )
    server.caps = caps
    server.register_namespace(NoRoot("/"))
    server.register_namespace(OrganiserNamespace("/organiser", identify))
    if rooms is not None:
        dashboard = DashboardNamespace(identify, rooms)
        offers = SlotOffers(server, rooms, dashboard)  # freed slots refilled live
        server.register_namespace(dashboard)
        server.register_namespace(MeetingNamespace(identify, rooms, dashboard, offers))
        server.stage = StageNamespace(identify, rooms, dashboard)  # roadshows
        server.register_namespace(server.stage)
        # announcements and slot offers
        server.register_namespace(NoticesNamespace(identify, rooms, offers))
        server.session_watch = SessionWatch(server, identify, rooms)
    return server


class Liveness:
    """This process's heartbeat and the sweep of dead processes' connections.

    The heartbeat is written on a thread of its own (not behind the rooms' and pages'
    database queue, which a busy moment can make long), with the time taken when it is
    written: a process whose loop or database is stuck stops beating and is, rightly,
    taken for dead, one that is only busy is not. A process sweeps only after its own
    heartbeats have gone through without a gap for a whole timeout, so after a database
    outage (when every heartbeat is old) nobody takes the others for dead before they
    could beat again. A process that finds it was taken for dead (its registration
    changed) counts the connections it still holds again.
    """

    def __init__(self, server: socketio.AsyncServer, services: RoomServices) -> None:
        self.server = server
        self.services = services
        self.interval = services.heartbeat_interval
        self.timeout = services.instance_timeout
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.registered: datetime | None = None  # the registration of this process's row
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="fair-liveness")

    async def _write(self, fn: Callable[[Session], T]) -> T:
        engine = self.services.engine

        def work() -> T:
            with session_scope(engine()) as session:
                return fn(session)

        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    async def beat(self) -> bool:
        """Write the heartbeat; False when this process was taken for dead since its
        last beat (its connections are then counted again)."""
        instance, name = self.services.instance, self.name
        registered = await self._write(lambda db: instances.heartbeat(db, instance, now(), name))
        known = self.registered is None or registered == self.registered
        self.registered = registered
        if not known:
            log.warning(
                "instance %s was taken for dead (no heartbeat for %.0f s): counting the "
                "connections it holds again",
                instance,
                self.timeout,
            )
            await self.recount()
        return known

    async def recount(self) -> Released:
        """Count again the room and stage connections this process holds (after a sweep
        took them off), and tell the rooms and dashboards."""
        meetings: list[tuple[Room, int]] = []
        stages: list[tuple[st.LiveStage, int]] = []
        for namespace, key, held in (("/meeting", "room", meetings), ("/stage", "stage", stages)):
            for sid, _ in list(self.server.manager.get_participants(namespace, None)):
                try:
                    state = await self.server.get_session(sid, namespace=namespace)
                except KeyError:  # gone meanwhile
                    continue
                target, pid = state.get(key), state.get("participant")
                if target is not None and pid is not None:
                    held.append((target, pid))
        instance = self.services.instance

        def count(db: Session) -> Released:
            moment = now()
            ops = [presence.Enter(room.uid, pid, room=room) for room, pid in meetings]
            presence.apply(db, ops, moment, instance)
            for stage, pid in stages:
                st.enter(db, stage, pid, moment, instance, recount=True)
            return Released(
                instances=(instance,),
                meetings=tuple(sorted({(room.fair_id, room.uid) for room, _ in meetings})),
                roadshows=tuple(sorted({(stage.fair_id, stage.id) for stage, _ in stages})),
            )

        released = await self._write(count)
        await self.push(released)
        return released

    async def sweep(self) -> Released:
        """Take dead processes' connections off and tell whom it concerns."""
        timeout = self.timeout
        released = await self._write(lambda db: instances.sweep_instances(db, now(), timeout))
        if released.instances:
            log.warning(
                "server instances %s had no heartbeat for %.0f s: their connections no "
                "longer count",
                ", ".join(released.instances),
                timeout,
            )
            await self.push(released)
        return released

    async def release(self) -> Released:
        """A clean shutdown: this process's connections stop counting at once."""
        instance = self.services.instance
        released = await self._write(lambda db: instances.release_instance(db, instance, now()))
        await self.push(released)
        return released

    async def push(self, released: Released) -> None:
        """Send fresh presence to the meeting rooms, the audience to the stages and
        `changed` to the dashboards concerned (every process's clients, over Redis). A
        room that cannot be read any more (its meeting left the published schedule) is
        skipped; the others are still told."""
        if not released.meetings and not released.roadshows:
            return

        def read(db: Session) -> tuple[list[Any], list[Any]]:
            people = []
            for _, uid in released.meetings:
                try:
                    members = presence.presence(db, presence.load_room(db, uid))
                except FairError as exc:
                    log.info("presence of room %s not sent after a sweep: %s", uid, exc)
                    continue
                people.append((uid, members))
            counts = [(rid, st.audience(db, rid)) for _, rid in released.roadshows]
            return people, counts

        people, counts = await self._write(read)
        for uid, members in people:
            await self.server.emit(
                "presence", {"people": members}, room=meeting_room(uid), namespace="/meeting"
            )
        for rid, count in counts:
            await self.server.emit(
                "audience", {"count": count}, room=stage_room(rid), namespace="/stage"
            )
        dashboard = self.server.namespace_handlers.get("/dashboard")
        if isinstance(dashboard, DashboardNamespace):
            for fair_id in sorted({f for f, _ in (*released.meetings, *released.roadshows)}):
                dashboard.changed(fair_id)

    async def run(self) -> None:
        """Beat and sweep every `interval` seconds until cancelled; then release."""
        steady_since: float | None = None  # monotonic time since beats go through
        last_beat = 0.0
        try:
            while True:
                started = time.monotonic()
                try:
                    await self.beat()
                    moment = time.monotonic()
                    if steady_since is None or moment - last_beat > self.timeout:
                        steady_since = moment  # a gap: we may have been taken for dead
                    last_beat = moment
                    if moment - steady_since >= self.timeout:
                        await self.sweep()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    steady_since = None
                    log.warning("heartbeat or sweep failed: %s", type(exc).__name__)
                # On a fixed beat: a slow beat or sweep does not push the next one back.
                await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))
        finally:
            try:
                await self.release()
            except Exception as exc:  # the next live process's sweep does it
                log.warning("releasing this instance's connections failed: %s", exc)
            finally:
                # A beat cancelled mid-query, or a release cancelled by a second cancel,
                # still runs in the thread: wait for it (one short query), so its
                # connection goes back to the pool before the app disposes the engine,
                # not to a disposed pool that would leave it open.
                self._thread.shutdown(wait=True)


def liveness(server: socketio.AsyncServer) -> Liveness | None:
    """The server's `Liveness`, when it has live rooms."""
    meetings = server.namespace_handlers.get("/meeting")
    if not isinstance(meetings, MeetingNamespace):
        return None
    return Liveness(server, meetings.services)


async def run_background(server: socketio.AsyncServer) -> None:
    """The server's periodic work (no-show sweeps, heartbeat and sweep of dead
    processes) until cancelled; a cancelled run releases this process's connections."""
    meetings = server.namespace_handlers.get("/meeting")
    if not isinstance(meetings, MeetingNamespace):
        return
    alive = liveness(server)
    assert alive is not None
    tasks = [asyncio.ensure_future(meetings.watch_no_shows()), asyncio.ensure_future(alive.run())]
    if isinstance(server, Server) and server.session_watch is not None:
        tasks.append(asyncio.ensure_future(server.session_watch.run()))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            # Not twice: a second cancel would cut the liveness task's release short,
            # leaving this process's instance row for the next start to warn about.
            if not task.done() and not task.cancelling():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
