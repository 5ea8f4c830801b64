"""`fair bench edits`: the organiser's hand edits of the grid at expo scale, measured on
the product as deployed.

The seeded fair of `--scale` is generated, imported, scheduled (greedy) and published
(`bench.web.site`), then `fair serve` runs on it (`bench.servers`). Signed in as the
organiser, the driver takes `--edits` meetings spread over the grid and, for each, asks
for its targets (`GET /api/organiser/grid/targets`, what the grid marks while dragging)
and moves it to the first free target (`POST /api/organiser/grid/move`: checked for the
meeting, validated on the whole schedule, saved in the draft), then undoes every edit
(`POST /api/organiser/grid/undo`). The baseline, in the same run against the same
server, is `GET /api/session` (a signed-in round trip that does no work). Times are
client-side wall clock, one request at a time; the goal for a move is a p99 of 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

GOAL_MS = 150.0


@dataclass(frozen=True)
class Row:
    what: str
    calls: int
    p50_ms: float
    p99_ms: float
    refused: int = 0


def _row(what: str, seconds: list[float], refused: int = 0) -> Row:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))] if ms else float("nan")
    return Row(
        what,
        len(ms),
        round(statistics.median(ms), 1) if ms else float("nan"),
        round(p99, 1),
        refused,
    )


async def _timed(call: Awaitable[Any], into: list[float]) -> Any:
    """Await `call` (a coroutine: it starts only when awaited) and record how long."""
    t0 = time.perf_counter()
    result = await call
    into.append(time.perf_counter() - t0)
    return result


async def measure(base: str, organiser: tuple[str, str], edits: int) -> list[Row]:
    """Targets, moves and undos of `edits` meetings on the server at `base`."""
    import aiohttp

    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(base, cookie_jar=jar) as http:
        email, password = organiser
        async with http.post("/login", data={"email": email, "password": password}) as r:
            if r.status != 200:
                raise RuntimeError(f"organiser sign-in answered {r.status}")
        async with http.get("/api/session") as r:
            headers = {"X-CSRF-Token": (await r.json())["csrf"]}
        async with http.get("/api/schedule/1/meetings") as r:
            meetings = (await r.json())["meetings"]
        step = max(1, len(meetings) // edits)
        keys = [m["request"] for m in meetings[::step]][:edits]
        times: dict[str, list[float]] = {"baseline": [], "targets": [], "move": [], "undo": []}
        refused = moved = 0

        async def get(path: str) -> Any:
            async with http.get(path) as r:
                return await r.json()

        async def post(path: str, payload: dict[str, str]) -> tuple[int, Any]:
            async with http.post(path, json=payload, headers=headers) as r:
                return r.status, await r.json()

        for key in keys:
            await _timed(get("/api/session"), times["baseline"])
            path = f"/api/organiser/grid/targets?request={key}"
            found = await _timed(get(path), times["targets"])
            here = next(m for m in meetings if m["request"] == key)
            free = [
                t
                for t in found["targets"]
                if t["ok"] and (t["start"], t["place"]) != (here["start_utc"], here["place"])
            ]
            if not free:
                continue
            cell = {"request": key, "start": free[0]["start"], "place": free[0]["place"]}
            status, _ = await _timed(post("/api/organiser/grid/move", cell), times["move"])
            if status == 200:
                moved += 1
            else:
                refused += 1
        for _ in range(moved):
            await _timed(post("/api/organiser/grid/undo", {}), times["undo"])
    return [
        _row("GET /api/session (baseline)", times["baseline"]),
        _row("targets of a meeting", times["targets"]),
        _row("move (check and save)", times["move"], refused),
        _row("undo", times["undo"]),
    ]


def table(rows: list[Row], scale: str, scheduled: int) -> str:
    lines = [
        f"hand edits on the {scale} fair ({scheduled} meetings), one request at a time",
        f"{'what':<30} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'refused':>8}",
    ]
    for r in rows:
        lines.append(f"{r.what:<30} {r.calls:>6} {r.p50_ms:>8} {r.p99_ms:>8} {r.refused:>8}")
    move = next(r for r in rows if r.what.startswith("move"))
    verdict = "met" if move.p99_ms <= GOAL_MS else "NOT met"
    lines.append(f"goal: move p99 <= {GOAL_MS:.0f} ms: {verdict}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`fair bench edits`: hand edits of the grid against `fair serve`."""
    from bench.servers import fair_serve
    from bench.web.site import build_site

    parser = argparse.ArgumentParser(prog="fair bench edits", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="expo", help="generated fair scale (default expo)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edits", type=int, default=60, help="meetings to move (default 60)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="fair-bench-edits-") as tmp:
        directory = Path(tmp)
        site = build_site(directory, args.scale, args.seed, sample=1, say=say)
        say(f"serving {site.scheduled} meetings; moving {args.edits} ...")
        with fair_serve(site.db_url, directory) as base:
            rows = asyncio.run(measure(base, site.organiser, args.edits))
    if args.json:
        print(
            json.dumps({"scale": args.scale, "seed": args.seed, "rows": [asdict(r) for r in rows]})
        )
    else:
        print(table(rows, args.scale, site.scheduled))
    return 0
