"""The socket.io server: built by the app factory, never a module global.

With a Redis URL, python-socketio's `AsyncRedisManager` relays emits between server
processes so rooms span all of them; without one, rooms live in this process.
"""

from __future__ import annotations

from typing import Any

import socketio

from realtime.namespaces import Identify, OrganiserNamespace


def create_server(redis_url: str, identify: Identify) -> socketio.AsyncServer:
    """A socket.io server; `identify(environ)` tells who a connecting client is."""
    manager: Any = None
    if redis_url:
        manager = socketio.AsyncRedisManager(redis_url)
    server = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=[],  # same origin only
        max_http_buffer_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    server.register_namespace(OrganiserNamespace("/organiser", identify))
    return server
