"""The drill's replay: the published schedule played slot by slot in compressed time by
client worker processes, with the organiser's dashboards watched on every process,
faults injected when asked and each server's memory sampled; the workers' tallies merged.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from bench.deployed import Deployment
from bench.drill.dashboard import Dashboard
from bench.drill.faults import Faults
from bench.drill.prepare import Size
from bench.servers import ROOT, child_env, rss_mb

Workers = list[asyncio.subprocess.Process]


async def replay(
    visits: list[dict[str, Any]],
    servers: Deployment,
    organiser: dict[str, str],
    redis: dict[str, Any],
    size: Size,
    faults: bool,
    fair_id: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Replay `visits` against the `fair serve` processes of `servers`, the dashboards
    watched by the signed-in `organiser`; returns the workers' merged
    tallies with the elapsed time, the fault log, the dashboards and peak memory."""
    # at most, for work re-sent after the last slot: under CI's load (the drill 97 s instead
    # of 38) four deals were stored but their acks came after a 20 s grace
    grace = max(60.0, 3 * size.slot_seconds)
    workdir = Path(tempfile.mkdtemp(prefix="fair-drill-"))
    urls = servers.urls
    boards = [Dashboard(url, fair_id, organiser) for url in urls]
    for board in boards:
        await board.start()
        await board.watch()
    procs, logs = await _start_workers(visits, urls, size, grace, workdir)
    t0 = await _release(procs)
    peak_rss = [0.0 for _ in urls]
    sampler = asyncio.ensure_future(_sample_rss(servers, peak_rss))
    injected = Faults(servers, redis, t0, size.slots * size.slot_seconds, log)
    injector = asyncio.ensure_future(injected.run()) if faults else None
    outputs = await asyncio.gather(*(p.communicate() for p in procs))
    for f in logs:
        f.close()
    elapsed = time.time() - t0
    sampler.cancel()
    if injector is not None:
        await injector
    merged = _merge(procs, outputs, workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    merged["t0"] = t0
    merged["elapsed"] = elapsed
    merged["faults"] = injected.log
    merged["fault_times"] = injected.times
    merged["boards"] = boards
    merged["peak_rss_mb"] = [round(x, 1) for x in peak_rss]
    return merged


async def _start_workers(
    visits: list[dict[str, Any]], urls: list[str], size: Size, grace: float, workdir: Path
) -> tuple[Workers, list[IO[bytes]]]:
    """`size.workers` client worker processes, each with its plan in `workdir`, loaded
    and waiting for the start time; and their logs (each worker's stderr)."""
    meetings = sorted({v["meeting_id"] for v in visits})
    share = {m: i % size.workers for i, m in enumerate(meetings)}  # a meeting's sides together
    size_cfg = {"signals": size.signals, "chats": size.chats, "arrival": size.arrival}
    procs: Workers = []
    logs: list[IO[bytes]] = []
    env = child_env()
    for w in range(size.workers):
        plan = {
            "slots": size.slots,
            "slot_seconds": size.slot_seconds,
            "grace": grace,
            "urls": urls,
            "size": size_cfg,
            "visits": [v for v in visits if share[v["meeting_id"]] == w],
        }
        path = workdir / f"plan-{w}.json"
        path.write_text(json.dumps(plan))
        logs.append((workdir / f"worker-{w}.log").open("wb"))
        procs.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.drill",
                "--worker",
                str(path),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=logs[-1],
                env=env,
                cwd=ROOT,
            )
        )
    for p in procs:  # started and loaded: give them the common start time
        assert p.stdout is not None
        if (await p.stdout.readline()).strip() != b"ready":
            raise RuntimeError("a client worker failed to start")
    return procs, logs


async def _release(procs: Workers) -> float:
    """Tell every worker the common start time (a second from now); returns it."""
    t0 = time.time() + 1.0
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(f"{t0}\n".encode())
        await p.stdin.drain()
        p.stdin.close()
    return t0


async def _sample_rss(servers: Deployment, peak_rss: list[float]) -> None:
    """Keep each server's peak resident memory in `peak_rss` until cancelled (reading
    the pids afresh each time: a restarted process has a new one)."""
    while True:
        for i, pid in enumerate(servers.pids):
            peak_rss[i] = max(peak_rss[i], rss_mb(pid))
        await asyncio.sleep(0.5)


def _merge(procs: Workers, outputs: list[tuple[bytes, bytes]], workdir: Path) -> dict[str, Any]:
    """The workers' tallies added up; a worker that failed counts as an error, with the
    tail of its log."""
    merged: dict[str, Any] = {
        "counts": {},
        "latency": [],
        "signal_ms": [],
        "acked_deals": {},
        "acked_confirms": [],
        "error_samples": [],
    }
    for p, (out, _err) in zip(procs, outputs, strict=True):
        if p.returncode != 0 or not out:
            tail = (workdir / f"worker-{procs.index(p)}.log").read_text(errors="replace")[-2000:]
            merged["error_samples"].append(f"client worker exited with {p.returncode}: {tail}")
            merged["counts"]["errors"] = merged["counts"].get("errors", 0) + 1
            continue
        result = json.loads(out)
        for k, n in result["counts"].items():
            merged["counts"][k] = merged["counts"].get(k, 0) + n
        for k in ("latency", "signal_ms", "acked_confirms", "error_samples"):
            merged[k] += result[k]
        merged["acked_deals"].update(result["acked_deals"])
    return merged
