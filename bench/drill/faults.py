"""The drill's faults, injected while the clients keep going: the second `fair serve`
SIGKILLed at 30 % of the replay and restarted on the same port, then Redis killed at
65 % and started again."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from typing import Any

from bench.deployed import Deployment
from bench.servers import start_redis


class Faults:
    """The faults of one replay that began at `t0` and lasts `span` seconds. `servers`
    and `redis` are the drill's own: a restarted process replaces its entry there."""

    def __init__(
        self,
        servers: Deployment,
        redis: dict[str, Any],
        t0: float,
        span: float,
        say: Callable[[str], None],
    ) -> None:
        self.servers, self.redis = servers, redis
        self.t0, self.span = t0, span
        self.say = say
        self.times: list[tuple[float, str]] = []  # (seconds since t0, what happened)

    async def run(self) -> None:
        await asyncio.gather(self.kill_server(), self.restart_redis())

    @property
    def log(self) -> list[str]:
        """What happened, as "12.3s: server 2 killed (SIGKILL)"."""
        return [f"{at:.1f}s: {what}" for at, what in self.times]

    def _note(self, what: str) -> None:
        self.times.append((time.time() - self.t0, what))
        self.say(self.log[-1])

    async def _at(self, fraction: float) -> None:
        await asyncio.sleep(max(0.0, self.t0 + fraction * self.span - time.time()))

    async def kill_server(self) -> None:
        await self._at(0.3)
        self.servers.kill(1)
        self._note("server 2 killed (SIGKILL)")
        await asyncio.to_thread(self.servers.restart, 1)
        self._note(f"server 2 restarted on port {self.servers.ports[1]}")

    async def restart_redis(self) -> None:
        await self._at(0.65)
        self.redis["proc"].send_signal(signal.SIGKILL)
        self.redis["proc"].wait()
        self._note("redis killed")
        await asyncio.sleep(1.0)
        self.redis["proc"] = await asyncio.to_thread(start_redis, self.redis["port"])
        self._note("redis restarted")
