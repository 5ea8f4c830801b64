"""The socket.io server: built by the app factory, never a module global.

With a Redis URL, python-socketio's `AsyncRedisManager` relays emits between server
processes so rooms span all of them; without one, rooms live in this process.
"""

from __future__ import annotations

from typing import Any

import socketio

from realtime.dashboard import DashboardNamespace
from realtime.meetings import MeetingNamespace
from realtime.namespaces import Identify, OrganiserNamespace
from realtime.services import RoomServices

REDIS_POOL = 32  # connections per process; publishers wait for one instead of failing


class RedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """`AsyncRedisManager` on a bounded *blocking* connection pool.

    With the default pool, redis-py raises as soon as its connections are all busy; the
    manager then reconnects and, after one retry, drops the message (measured: nearly
    all relayed messages lost at 1,000 clients x 2 msg/s on two processes). Waiting for a
    free connection keeps every message.
    """

    def _redis_connect(self) -> None:
        import redis.asyncio as aioredis

        pool = aioredis.BlockingConnectionPool.from_url(
            self.redis_url, max_connections=REDIS_POOL, timeout=30
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True


def create_server(
    redis_url: str, identify: Identify, rooms: RoomServices | None = None
) -> socketio.AsyncServer:
    """A socket.io server; `identify(environ)` tells who a connecting client is. With
    `rooms`, the live meeting rooms (`/meeting`) and dashboards (`/dashboard`) too."""
    manager: Any = None
    if redis_url:
        manager = RedisManager(redis_url)
    server = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=[],  # same origin only
        max_http_buffer_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    server.register_namespace(OrganiserNamespace("/organiser", identify))
    if rooms is not None:
        dashboard = DashboardNamespace(identify, rooms)
        server.register_namespace(dashboard)
        server.register_namespace(MeetingNamespace(identify, rooms, dashboard))
    return server


async def run_background(server: socketio.AsyncServer) -> None:
    """The server's periodic work (no-show sweeps) until cancelled."""
    meetings = server.namespace_handlers.get("/meeting")
    if isinstance(meetings, MeetingNamespace):
        await meetings.watch_no_shows()
