"""One drill, end to end: a fresh PostgreSQL schema with the fair, a Redis of its own and
two `fair serve` processes on them as deployed (`bench.deployed`), everyone who visits
signed in through their personal link, the replay, the dashboards compared with a
recount, the checks; everything it started is stopped and the schema dropped afterwards."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.deployed import (
    Deployment,
    check_loopback,
    schema_of,
    scratch_database,
    sign_in,
    sign_in_organiser,
)
from bench.drill.checks import verify
from bench.drill.dashboard import Dashboard, recount, same_totals
from bench.drill.prepare import SIZES, Size, plan_visits, prepare_fair
from bench.drill.replay import replay
from bench.servers import free_port, rss_mb, start_redis


def run_drill(
    size_name: str,
    db: str,
    faults: bool,
    seed: int = 1,
    keep: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run one drill; returns the figures (see `bench.drill.report.table`)."""
    say = log or (lambda _m: None)
    size = SIZES[size_name]
    check_loopback(db, "fair drill")
    if not shutil.which("redis-server"):
        raise SystemExit("fair drill: needs redis-server on the PATH")
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="fair-drill-"))
    redis: dict[str, Any] = {}
    try:
        with scratch_database(db, workdir, keep, prefix="drill") as url:
            schema = schema_of(url)
            say(f"preparing a {size.scale} fair in schema {schema} ...")
            fair_id, organiser = prepare_fair(url, size.scale, seed)
            visits = plan_visits(url, fair_id, size, seed)
            prepared = time.perf_counter() - started
            say(f"{len(visits)} visits in {size.slots} slots (prepared in {prepared:.1f}s)")
            redis_port = free_port()
            redis.update(
                port=redis_port,
                url=f"redis://127.0.0.1:{redis_port}/0",
                proc=start_redis(redis_port),
                db=url,
            )
            with Deployment(url, workdir, redis["url"]) as servers:
                servers.start(2)
                ready = time.perf_counter() - started - prepared
                idle = [rss_mb(pid) for pid in servers.pids]
                say(
                    f"fair serve on {', '.join(servers.urls)}, redis {redis['url']}; signing in ..."
                )
                signed_in = asyncio.run(_sign_in(servers.urls[0], visits, organiser))
                say(f"{len(signed_in) - 1} people signed in; replaying ...")
                merged = asyncio.run(
                    _replay_and_recount(
                        visits, servers, signed_in, redis, size, faults, fair_id, url, say
                    )
                )
            result = verify(url, fair_id, merged, visits, size, faults)
            result["prepare_s"] = round(prepared, 1)
            result["servers_start_s"] = round(ready, 1)
            result["server_rss_mb_idle"] = [round(x, 1) for x in idle]
            result["schema"] = schema
            result["total_s"] = round(time.perf_counter() - started, 1)
            return result
    finally:
        if redis.get("proc") is not None:
            redis["proc"].kill()
            redis["proc"].wait()
        shutil.rmtree(workdir, ignore_errors=True)


async def _sign_in(
    base: str, visits: list[dict[str, Any]], organiser: tuple[str, str]
) -> dict[int | str, dict[str, str]]:
    """Everyone who visits signed in once through their personal link (their visits then
    carry the headers of that session instead of the token); and the organiser."""
    tokens = {v["pid"]: v["token"] for v in visits}
    pids = sorted(tokens)
    headers = await sign_in(base, [tokens[p] for p in pids])
    signed: dict[int | str, dict[str, str]] = dict(zip(pids, headers, strict=True))
    for v in visits:
        v["headers"] = signed[v["pid"]]
        del v["token"]
    signed["organiser"] = await sign_in_organiser(base, *organiser)
    return signed


async def _replay_and_recount(
    visits: list[dict[str, Any]],
    servers: Deployment,
    signed_in: dict[int | str, dict[str, str]],
    redis: dict[str, Any],
    size: Size,
    faults: bool,
    fair_id: int,
    url: str,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """The replay's tallies, with what each dashboard showed next to the recount."""
    organiser = signed_in["organiser"]
    merged = await replay(visits, servers, organiser, redis, size, faults, fair_id, say)
    count = recount(url, fair_id)
    boards: list[Dashboard] = merged.pop("boards")
    asked = [await b.watch() for b in boards]
    # the pushed totals catch up within the coalescing delay
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(same_totals(b.last, count) for b in boards):
        await asyncio.sleep(0.2)
    merged["dashboard_asked"] = asked
    merged["dashboard_pushed"] = [b.last for b in boards]
    merged["dashboard_pushes"] = [b.pushes for b in boards]
    for b in boards:
        await b.client.disconnect()
    merged["recount"] = count
    return merged
