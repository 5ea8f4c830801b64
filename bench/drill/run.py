"""One drill, end to end: a fresh PostgreSQL schema with the fair, a Redis of its own and
two room server processes on them, the replay, the dashboards compared with a recount,
the checks; everything it started is stopped and the schema dropped afterwards."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa

from bench.drill.checks import verify
from bench.drill.dashboard import Dashboard, recount, same_totals
from bench.drill.prepare import SIZES, Size, check_loopback, plan_visits, prepare_fair, schema_url
from bench.drill.replay import replay
from bench.servers import free_port, rss_mb, start_redis, start_server, stop_server


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
    check_loopback(db)
    if not shutil.which("redis-server"):
        raise SystemExit("fair drill: needs redis-server on the PATH")
    started = time.perf_counter()
    schema = f"drill_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(db)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = schema_url(db, schema)
    servers: list[tuple[subprocess.Popen[bytes], str]] = []
    redis: dict[str, Any] = {}
    try:
        say(f"preparing a {size.scale} fair in schema {schema} ...")
        fair_id = prepare_fair(url, size.scale, seed)
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
        with ThreadPoolExecutor(2) as pool:  # both start at once
            servers.extend(pool.map(lambda _: start_server("fair", url, redis["url"]), (1, 2)))
        ready = time.perf_counter() - started - prepared
        idle = [rss_mb(p.pid) for p, _ in servers]
        urls = [u for _, u in servers]
        say(f"servers {', '.join(urls)}, redis {redis['url']}; replaying ...")
        merged = asyncio.run(
            _replay_and_recount(visits, urls, servers, redis, size, faults, fair_id, url, say)
        )
        result = verify(url, fair_id, merged, visits, size, faults)
        result["prepare_s"] = round(prepared, 1)
        result["servers_start_s"] = round(ready, 1)
        result["server_rss_mb_idle"] = [round(x, 1) for x in idle]
        result["schema"] = schema
        result["total_s"] = round(time.perf_counter() - started, 1)
        return result
    finally:
        for proc, _ in servers:
            stop_server(proc)
        if redis.get("proc") is not None:
            redis["proc"].kill()
            redis["proc"].wait()
        if not keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


async def _replay_and_recount(
    visits: list[dict[str, Any]],
    urls: list[str],
    servers: list[tuple[subprocess.Popen[bytes], str]],
    redis: dict[str, Any],
    size: Size,
    faults: bool,
    fair_id: int,
    url: str,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """The replay's tallies, with what each dashboard showed next to the recount."""
    merged = await replay(visits, urls, servers, redis, size, faults, fair_id, say)
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
