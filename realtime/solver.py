"""The organiser's solver runs, with live progress over socket.io.

One run per fair at a time, on a dedicated one-thread executor (CP-SAT releases the GIL,
so pages stay responsive). Progress from the solver's thread is handed to the event loop
and emitted to the fair's solver room in the `/organiser` namespace, at most a few times
a second; organisers join that room with `watch_solver` and receive `solver:progress`,
`solver:done` and `solver:error` while a run goes on.

`SolverRuns` is built by the app factory, which hands in what a run needs: the socket.io
server, the database engine and the solver's executor (both looked up when a run starts,
since they open at start-up) and the settings (time limit, workers, seed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import socketio
from sqlalchemy.engine import Engine

from fair.rooms import solver_room
from fair.scheduling import schedule_fair, solver_options
from fair.settings import Settings
from realtime.namespaces import AnswersEveryCall, Identify

log = logging.getLogger("fair.realtime.solver")
NAMESPACE = "/organiser"
MIN_INTERVAL = 0.25  # seconds between progress events


@dataclass
class SolverJob:
    fair_id: int
    time_limit: float
    started: float = field(default_factory=time.time)
    stop: threading.Event = field(default_factory=threading.Event)
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.result is None and self.error is None

    def state(self) -> dict[str, Any]:
        return {
            "fair": self.fair_id,
            "running": self.running,
            "elapsed": round(time.time() - self.started, 1),
            "time_limit": self.time_limit,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
        }


class SolverRuns:
    """The runs of this process: the newest per fair, running or finished."""

    def __init__(
        self,
        server: socketio.AsyncServer,
        engine: Callable[[], Engine],
        executor: Callable[[], Executor],
        settings: Settings,
    ) -> None:
        self.server = server
        self.engine = engine
        self.executor = executor
        self.settings = settings
        self.jobs: dict[int, SolverJob] = {}

    def job(self, fair_id: int) -> SolverJob | None:
        """The newest run for `fair_id`, if there was one."""
        return self.jobs.get(fair_id)

    def start(self, fair_id: int, time_limit: float, method: str = "ours") -> SolverJob:
        """Start a run for `fair_id` unless one is going; returns the (new or running) job."""
        current = self.jobs.get(fair_id)
        if current is not None and current.running:
            return current
        job = SolverJob(fair_id=fair_id, time_limit=time_limit)
        self.jobs[fair_id] = job
        loop = asyncio.get_running_loop()
        last = [0.0]

        def progress(info: dict[str, Any]) -> None:
            now = time.monotonic()
            # JSON has no infinity (the bound before the LP is known): send null instead.
            job.progress = {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in info.items()
                if isinstance(v, int | float | str | None)
            }
            if now - last[0] >= MIN_INTERVAL:
                last[0] = now
                payload = job.state()
                loop.call_soon_threadsafe(
                    lambda: asyncio.ensure_future(self._emit("solver:progress", payload, fair_id))
                )

        options = solver_options(self.settings, time_limit=time_limit)

        async def run() -> None:
            try:
                number, figures = await loop.run_in_executor(
                    self.executor(),
                    lambda: schedule_fair(
                        self.engine(), fair_id, options, method, progress, job.stop.is_set
                    ),
                )
                job.result = {
                    "version": number,
                    "scheduled": figures.get("scheduled"),
                    "requests": figures.get("requests"),
                    "weight": figures.get("weight"),
                    "status": figures.get("status"),
                    "seconds": figures.get("seconds"),
                }
                await self._emit("solver:done", job.state(), fair_id)
            except Exception as exc:
                log.exception("solver run for fair %s failed", fair_id)
                job.error = f"The solver stopped with an error: {exc.__class__.__name__}"
                await self._emit("solver:error", job.state(), fair_id)

        job.task = asyncio.ensure_future(run())
        return job

    def stop(self, fair_id: int) -> bool:
        """Ask the run for `fair_id` to stop (it stores its best schedule so far); False
        when none is going."""
        job = self.jobs.get(fair_id)
        if job is None or not job.running:
            return False
        job.stop.set()
        return True

    async def close(self) -> None:
        """At shutdown: stop every run and wait until each has stored its schedule."""
        for job in self.jobs.values():
            job.stop.set()
            if job.task is not None:
                with contextlib.suppress(Exception):
                    await job.task

    async def _emit(self, event: str, data: dict[str, Any], fair_id: int) -> None:
        await self.server.emit(event, data, room=solver_room(fair_id), namespace=NAMESPACE)


class OrganiserNamespace(AnswersEveryCall, socketio.AsyncNamespace):  # type: ignore[misc]
    """`/organiser`: organisers only; they join the solver room of their fair."""

    EVENTS = frozenset({"watch_solver"})

    def __init__(self, namespace: str, identify: Identify) -> None:
        super().__init__(namespace)
        self.identify = identify

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        who = self.identify(environ)
        if not who or "organiser" not in who:
            raise socketio.exceptions.ConnectionRefusedError("organiser sign-in required")
        await self.save_session(sid, who)

    async def on_watch_solver(self, sid: str, data: Any) -> dict[str, Any]:
        """Join the solver room of a fair: `{"fair": id}`."""
        try:
            fair_id = int(data["fair"])
        except (TypeError, KeyError, ValueError, OverflowError):
            return {
                "ok": False,
                "error": {"code": "invalid", "message": "fair: expected a fair id"},
            }
        await self.enter_room(sid, solver_room(fair_id))
        return {"ok": True}
