"""The rooms benchmark's command line (`fair bench rooms`): `--runs` runs, each measuring
the bare relay and then `fair serve` as deployed under the same load; every run printed
(table or JSON). `--serve-bare` is how `bench.servers.start_bare` runs the bare relay.

This module is also the start of the bare relay's process (through `python -m
bench.rooms`), so it imports only the standard library at the top: the bare relay's
memory must be its own, not the product's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.deployed import add_db_argument
from bench.servers import ROOT, rss_mb, start_bare, stop_server

CLIENT = ROOT / "bench" / "bench_client.js"

# The targets of issue 19, per process count: (p99 ms, MB per client or None).
TARGETS = {1: (100.0, 0.15), 2: (250.0, None)}


# -- one measured run ----------------------------------------------------------------


def drive(config: dict[str, Any], pids: list[int]) -> dict[str, Any]:
    """Run the Node clients on `config`; their figures, with the servers' memory before
    the clients connected and while they were all connected."""
    before = sum(rss_mb(p) for p in pids)
    env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
    with tempfile.NamedTemporaryFile("w", prefix="fair-bench-", suffix=".json") as f:
        json.dump(config, f)
        f.flush()
        node = subprocess.Popen(
            ["node", str(CLIENT), f.name], stdout=subprocess.PIPE, env=env, cwd=ROOT
        )
        assert node.stdout is not None
        joined: dict[str, Any] = json.loads(node.stdout.readline() or "{}")
        time.sleep(0.5)
        during = sum(rss_mb(p) for p in pids)
        done: dict[str, Any] = json.loads(node.stdout.readline() or "{}")
        node.wait(120)
    clients = joined.get("clients", 0)
    return {
        **{k: v for k, v in done.items() if k != "phase"},
        "joined": clients - joined.get("connect_errors", 0) - joined.get("refused", 0),
        "server_rss_mb_idle": round(before, 1),
        "server_rss_mb_loaded": round(during, 1),
        "mb_per_client": round((during - before) / max(clients, 1), 4),
    }


def measure_bare(args: argparse.Namespace) -> dict[str, Any]:
    """The bare relay under the run's load."""
    servers = [start_bare(args.redis) for _ in range(args.processes)]
    try:
        pairs = [{"room": f"room-{i}", "a": {}, "b": {}} for i in range(args.clients // 2)]
        result = drive(
            _config("bare", [u for _, u in servers], pairs, args), [p.pid for p, _ in servers]
        )
    finally:
        for proc, _ in servers:
            stop_server(proc)
    return {"server": "bare", "processes": args.processes, "redis": bool(args.redis), **result}


def measure_fair(args: argparse.Namespace) -> dict[str, Any]:
    """`fair serve` as deployed under the run's load, on a fresh database; then the deal
    burst (`--deals`)."""
    from bench.deployed import Deployment, scratch_database, sign_in
    from bench.rooms.deals import deal_burst
    from bench.rooms.synthetic import build_fair

    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-rooms-"))
    try:
        with scratch_database(args.db, workdir) as db:
            built = build_fair(db, args.clients // 2)
            redis = args.redis if args.processes > 1 else ""
            with Deployment(db, workdir, redis) as deployment:
                deployment.start(args.processes)
                urls = deployment.urls
                tokens = [p[side]["token"] for p in built["pairs"] for side in ("a", "b")]
                signed = asyncio.run(sign_in(urls[0], tokens))
                pairs = [
                    {
                        "room": p["room"],
                        "a": {"headers": signed[2 * i]},
                        "b": {"headers": signed[2 * i + 1]},
                    }
                    for i, p in enumerate(built["pairs"])
                ]
                result = drive(_config("fair", urls, pairs, args), deployment.pids)
                result.update(server="fair", processes=args.processes, redis=bool(redis))
                if args.deals:
                    result["deals"] = asyncio.run(deal_burst(urls, built, pairs, args.deals, db))
                result["server_errors"] = _logged_errors(deployment)
        return result
    except BaseException:
        for log in sorted(workdir.glob("server-*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {log.name} (last lines)", *tail, sep="\n", file=sys.stderr)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _logged_errors(deployment: Any) -> int:
    """Lines the servers logged at ERROR or worse (tracebacks included) during the run."""
    count = 0
    for index in range(len(deployment.procs)):
        for line in deployment.log(index).read_text(errors="replace").splitlines():
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                count += 1
    return count


def _config(
    kind: str, urls: list[str], pairs: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    return {
        "kind": kind,
        "urls": urls,
        "pairs": pairs,
        "rate": args.rate,
        "duration": args.duration,
        "size": args.size,
        "drain": 3,
    }


def verdict(r: dict[str, Any]) -> str:
    """Whether a `fair serve` run met its targets (issue 19), and if not, why."""
    p99_max, mb_max = TARGETS[r["processes"]]
    misses = []
    if r["lost"] or r["duplicated"] or r["misrouted"] or r["joined"] < r["clients"]:
        misses.append("messages or joins lost")
    if r["p99_ms"] is None or r["p99_ms"] > p99_max:
        misses.append(f"p99 over {p99_max:.0f} ms")
    if mb_max is not None and r["mb_per_client"] > mb_max:
        misses.append(f"over {mb_max} MB per client")
    deals = r.get("deals")
    if deals and not deals["each_once"]:
        misses.append("deals not each stored and counted once")
    return "met" if not misses else "missed: " + ", ".join(misses)


# -- command line ---------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fair bench rooms",
        description="Live rooms benchmark: `fair serve` as deployed next to a bare "
        "python-socketio relay, same machine, same load (socket.io-client under Node), "
        "every run printed.",
    )
    p.add_argument("--clients", type=int, default=2000, help="connections (pairs of two)")
    p.add_argument("--rate", type=float, default=0.5, help="messages per second per client")
    p.add_argument("--duration", type=float, default=60, help="seconds of sending per run")
    p.add_argument("--runs", type=int, default=3, help="runs (bare, then fair, in each)")
    p.add_argument("--size", type=int, default=200, help="approximate message bytes")
    p.add_argument("--processes", type=int, default=1, choices=(1, 2))
    p.add_argument("--redis", default="", help="Redis URL (needed with --processes 2)")
    add_db_argument(p)
    p.add_argument("--deals", type=int, default=0, help="then record N deals at once")
    p.add_argument("--only", choices=("fair", "bare"), help="measure one server only")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return p


def _row(r: dict[str, Any]) -> str:
    def ms(x: float | None) -> str:
        return "–" if x is None else f"{x:.1f}"

    return (
        f"{r['server']:<5} {r['processes']}p  joined {r['joined']:>5}  sent {r['sent']:>7}  "
        f"delivered {r['delivered']:>7}  lost {r['lost']:>5}  dup {r['duplicated']:>3}  "
        f"misrouted {r['misrouted']:>3}  {r['msgs_per_s']:>7.0f} msg/s  "
        f"p50 {ms(r['p50_ms'])}  p95 {ms(r['p95_ms'])}  p99 {ms(r['p99_ms'])}  "
        f"max {ms(r['max_ms'])} ms  disconnects {r['disconnects']}  "
        f"{r['mb_per_client'] * 1024:.0f} KB/client  idle {r['server_rss_mb_idle']:.0f} MB"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.serve_bare:
        from bench.rooms.server import serve

        serve(args.port, args.redis)
        return 0
    if args.processes == 2 and not args.redis:
        print("--processes 2 needs --redis URL", file=sys.stderr)
        return 2
    if not shutil.which("node") or not (ROOT / "node_modules" / "socket.io-client").is_dir():
        print("needs node and socket.io-client in node_modules (npm ci)", file=sys.stderr)
        return 2
    runs = []
    for n in range(1, args.runs + 1):
        run: dict[str, Any] = {"run": n, "load_before": round(os.getloadavg()[0], 2)}
        if args.only != "fair":
            run["bare"] = measure_bare(args)
        if args.only != "bare":
            run["fair"] = measure_fair(args)
            run["fair"]["verdict"] = verdict(run["fair"])
        runs.append(run)
        if not args.json:
            print(f"run {n} (load average before {run['load_before']:.2f})", flush=True)
            for kind in ("bare", "fair"):
                if kind in run:
                    print("  " + _row(run[kind]), flush=True)
            if "fair" in run:
                fair = run["fair"]
                if "deals" in fair:
                    print("  deals:", json.dumps(fair["deals"]), flush=True)
                print(
                    f"  server errors logged: {fair['server_errors']}; verdict: {fair['verdict']}",
                    flush=True,
                )
    if args.json:
        print(json.dumps({"runs": runs}, indent=2))
    return 0
