"""What the live rooms need from the application, handed in by the app factory.

`realtime/` never imports `web/`; the factory gives it the database engine (looked up
when needed, since it opens at start-up), a way to run blocking work off the event loop,
and the settings the rooms use. `instance` is this process's id among the server
processes (drawn at start); the connections it holds are counted under it, so they stop
counting when it dies (`fair.instances`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from fair.instances import HEARTBEAT_INTERVAL, INSTANCE_TIMEOUT, new_instance_id
from fair.turn import Turn
from realtime.janus import MediaServer

# Runs a blocking function (database work) in the application's executor.
RunBlocking = Callable[[Callable[[], Any]], Awaitable[Any]]
# Counts one event under a key in a sliding window of that many seconds, over every
# server process where Redis is configured; returns (events in the window, seconds
# until the oldest leaves it). The app factory hands in its rate limiter's.
CountEvent = Callable[[str, int], Awaitable[tuple[int, int]]]


@dataclass(frozen=True)
class RoomServices:
    engine: Callable[[], Engine]
    run: RunBlocking
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    count_event: CountEvent | None = None  # rate limits; None: none (benchmarks)
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    turn: Turn | None = None  # TURN credentials minted per person and meeting; None: none
    no_show_minutes: int = 10
    no_show_interval: float = 30.0  # seconds between no-show sweeps
    instance: str = field(default_factory=new_instance_id)
    heartbeat_interval: float = HEARTBEAT_INTERVAL  # seconds between heartbeats and sweeps
    instance_timeout: float = INSTANCE_TIMEOUT  # seconds without a heartbeat = dead
    media: MediaServer | None = None  # Janus carries the stages; None: peer-to-peer

    def ice_servers_for(self, who: str | None, end: datetime) -> list[dict[str, Any]]:
        """The `iceServers` for one person in a meeting or on a stage ending at `end`:
        the configured ones plus, with TURN configured, a TURN server with credentials
        of their own that expire with it (`fair.turn`). `who` None (no one to mint for,
        e.g. an observer of a meeting, who sends and receives no media) gets no TURN."""
        servers = [dict(server) for server in self.ice_servers]
        if self.turn is not None and who is not None:
            servers.append(self.turn.ice_server(who, end))
        return servers
