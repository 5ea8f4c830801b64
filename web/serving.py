"""Serving the app over HTTP as `fair serve` does: aiohttp's runner with two guards
aiohttp lacks, so one client cannot exhaust the process.

- **A cap on open connections** (`server.max_connections`): past it, a new connection
  gets `503 Service Unavailable` with `Retry-After` and is closed at once, before any
  request is read, instead of taking one more file descriptor until the process hits
  its limit (measured: 19,990 half-sent requests from one client did that).
- **A deadline for a request's head** (`server.head_seconds`): a connection that has not
  completed a request's line and headers within that time since it opened or since its
  last request was answered is closed (a slow-loris client dribbling a header a byte at a
  time, or a keep-alive connection idle that long). Requests being handled (a long-poll,
  an upload) and websockets are never cut.

The soft limit on open files is raised to the hard one at start, so the cap, not the
kernel, decides. Behind the documented nginx (docs/deploy.md) these are a second line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

log = logging.getLogger("fair.web.serving")
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 32\r\nConnection: close\r\n\r\nToo many connections; try again.\n"
)
SWEEP_SECONDS = 1.0


class _Refuse(asyncio.Protocol):
    """The protocol of a connection over the cap: one 503, then closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


class GuardedServer:
    """aiohttp's `web.Server` (the protocol factory of the listening socket) behind the
    connection cap; everything else is the wrapped server's."""

    def __init__(self, server: web.Server, max_connections: int) -> None:
        self.server = server
        self.max_connections = max_connections
        self.refused = 0
        self._logged_at = 0.0

    def __call__(self) -> asyncio.Protocol:
        if len(self.server.connections) >= self.max_connections:
            self.refused += 1
            moment = time.monotonic()
            if moment - self._logged_at > 60:  # one line a minute, not one a connection
                self._logged_at = moment
                log.warning(
                    "refused connections over the cap of %d (%d so far)",
                    self.max_connections,
                    self.refused,
                )
            return _Refuse()
        protocol: asyncio.Protocol = self.server()
        return protocol

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)


class GuardedRunner(web.AppRunner):
    """`web.AppRunner` whose server is a `GuardedServer`, with the head deadline swept
    every second."""

    def __init__(
        self, app: web.Application, *, max_connections: int, head_seconds: float, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        self.max_connections = max_connections
        self.head_seconds = head_seconds
        self.cut = 0
        self._seen: dict[int, tuple[int, float]] = {}  # handler id → (requests, since)
        self._sweeper: asyncio.Task[None] | None = None

    async def _make_server(self) -> Any:
        server = await super()._make_server()
        return GuardedServer(server, self.max_connections)

    async def setup(self) -> None:
        await super().setup()
        self._sweeper = asyncio.ensure_future(self._sweep_forever())

    async def cleanup(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await super().cleanup()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            self.sweep(time.monotonic())

    def sweep(self, moment: float) -> int:
        """Close the connections whose next request's head is overdue; returns how many."""
        server = self.server
        if server is None:
            return 0
        seen: dict[int, tuple[int, float]] = {}
        closed = 0
        for handler in server.connections:
            key = id(handler)
            count = getattr(handler, "_request_count", 0)
            busy = getattr(handler, "_current_request", None) is not None
            if busy or getattr(handler, "_upgraded", False):
                seen[key] = (count, moment)  # handling a request, or a websocket
                continue
            before = self._seen.get(key)
            since = before[1] if before is not None and before[0] == count else moment
            seen[key] = (count, since)
            if moment - since >= self.head_seconds:
                transport = handler.transport
                if transport is not None:
                    transport.close()
                closed += 1
        self._seen = seen
        self.cut += closed
        return closed


def raise_open_files_limit() -> None:
    """Let the process open as many files as the system allows it (the soft limit is
    often 1,024, below what thousands of live connections need)."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def serve(
    app: web.Application,
    host: str,
    port: int,
    *,
    max_connections: int,
    head_seconds: float,
    started: Callable[[], None] = lambda: None,
    **runner_kwargs: Any,
) -> None:
    """Serve `app` on `host`:`port` until SIGINT or SIGTERM, then shut down gracefully
    (what `web.run_app` does, with `GuardedRunner`)."""
    raise_open_files_limit()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    async def main() -> None:
        runner = GuardedRunner(
            app,
            max_connections=max_connections,
            head_seconds=head_seconds,
            handle_signals=True,
            **runner_kwargs,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            started()
            while True:
                await asyncio.sleep(3600)
        finally:
            await runner.cleanup()

    task = loop.create_task(main())
    try:
        loop.run_until_complete(task)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(task)
        finally:
            rest = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in rest:
                t.cancel()
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
