"""Running the solver from the organiser's console, with live progress over socket.io.

One run per fair at a time, on a dedicated one-thread executor (CP-SAT releases the GIL,
so pages stay responsive). Progress from the solver's thread is handed to the event loop
and emitted to the fair's solver room, at most a few times a second.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web

from fair.rooms import solver_room
from fair.scheduling import schedule_fair, solver_options
from web.keys import ENGINE, SETTINGS, SIO, SOLVER_EXECUTOR, SOLVER_JOBS

log = logging.getLogger("fair.web.solver")
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


async def _emit(sio: socketio.AsyncServer, event: str, data: dict[str, Any], fair_id: int) -> None:
    await sio.emit(event, data, room=solver_room(fair_id), namespace=NAMESPACE)


def start(app: web.Application, fair_id: int, time_limit: float, method: str = "ours") -> SolverJob:
    """Start a run for `fair_id` unless one is going; returns the (new or running) job."""
    jobs = app[SOLVER_JOBS]
    current = jobs.get(fair_id)
    if current is not None and current.running:
        return current
    settings = app[SETTINGS]
    job = SolverJob(fair_id=fair_id, time_limit=time_limit)
    jobs[fair_id] = job
    loop = asyncio.get_running_loop()
    sio = app[SIO]
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
                lambda: asyncio.ensure_future(_emit(sio, "solver:progress", payload, fair_id))
            )

    options = solver_options(settings, time_limit=time_limit)

    async def run() -> None:
        try:
            number, figures = await loop.run_in_executor(
                app[SOLVER_EXECUTOR],
                lambda: schedule_fair(
                    app[ENGINE], fair_id, options, method, progress, job.stop.is_set
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
            await _emit(sio, "solver:done", job.state(), fair_id)
        except Exception as exc:
            log.exception("solver run for fair %s failed", fair_id)
            job.error = f"The solver stopped with an error: {exc.__class__.__name__}"
            await _emit(sio, "solver:error", job.state(), fair_id)

    job.task = asyncio.ensure_future(run())
    return job


def stop(app: web.Application, fair_id: int) -> bool:
    job = app[SOLVER_JOBS].get(fair_id)
    if job is None or not job.running:
        return False
    job.stop.set()
    return True
