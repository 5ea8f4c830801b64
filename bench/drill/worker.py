"""A client worker of the drill: a child process (`python -m bench.drill --worker PLAN`)
that runs its share of the visits on the common wall-clock timetable and prints its
tallies as JSON. The drill starts several so the load is not one Python process's.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.drill.client import Stats
from bench.drill.visit import Visit


def work(plan_path: str) -> int:
    """The worker process: load, say ready, wait for the start time on stdin, run the
    plan and print the tallies."""
    import aiohttp  # noqa: F401  (loaded before saying ready)
    import socketio  # noqa: F401

    os.nice(5)  # the load generator yields to the servers under test
    plan = json.loads(Path(plan_path).read_text())
    print("ready", flush=True)
    plan["t0"] = float(sys.stdin.readline())  # the same start for every worker
    print(json.dumps(asyncio.run(run_worker(plan))))
    return 0


async def run_worker(plan: dict[str, Any]) -> dict[str, Any]:
    """Run the visits of `plan` on its wall-clock timetable; returns the worker's stats."""
    import aiohttp

    http = aiohttp.ClientSession()  # one for every client of this worker
    try:
        return await run_visits(plan, http)
    finally:
        await http.close()


async def run_visits(plan: dict[str, Any], http: Any) -> dict[str, Any]:
    """Each slot's visits started just before the slot; the tallies of them all."""
    stats = Stats()
    meetings: dict[int, dict[str, Any]] = {}
    t0, slot_s = plan["t0"], plan["slot_seconds"]
    last_end = t0 + plan["slots"] * slot_s
    deadline = last_end + plan["grace"]
    by_slot: dict[int, list[dict[str, Any]]] = {}
    for v in plan["visits"]:
        by_slot.setdefault(v["slot"], []).append(v)
    running: list[asyncio.Task[None]] = []
    for k in sorted(by_slot):
        start, end = t0 + k * slot_s, t0 + (k + 1) * slot_s
        delay = start - 0.3 - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        for v in by_slot[k]:
            visit = Visit(
                v, plan["urls"], start, end, deadline, plan["size"], stats, meetings, http
            )
            running.append(asyncio.ensure_future(visit.run()))
    results = await asyncio.gather(*running, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            stats.error(f"visit crashed: {r!r}")
    return {
        "counts": stats.counts,
        "latency": stats.latency,
        "signal_ms": stats.signal_ms,
        "acked_deals": stats.acked_deals,
        "acked_confirms": stats.acked_confirms,
        "error_samples": stats.error_samples,
    }
