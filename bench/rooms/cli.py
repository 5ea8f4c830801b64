"""The rooms benchmark's command line (`fair bench rooms`): one measured run per server
kind, the table or JSON; `--serve KIND` is how `bench.servers.start_server` runs a server.

This module is also the start of every server process (through `python -m bench.rooms`),
so it imports only the standard library at the top: the bare relay's memory must be its
own, not the product's.
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

from bench.servers import ROOT, rss_mb, start_server, stop_server

CLIENT = ROOT / "bench" / "bench_client.js"


# -- one measured run ----------------------------------------------------------------


def measure(
    kind: str,
    clients: int,
    rate: float,
    duration: float,
    size: int,
    processes: int,
    redis_url: str,
    db: str,
    deals: int,
) -> dict[str, Any]:
    """One run: `processes` servers of `kind` on `db`, the Node clients relaying at
    `rate` for `duration` seconds, then (fair only) the deal burst; the figures."""
    from bench.rooms.deals import deal_burst
    from bench.rooms.synthetic import build_fair

    pairs = clients // 2
    room_pairs = (
        build_fair(db, pairs)
        if kind == "fair"
        else [{"room": f"room-{i}", "a": {}, "b": {}} for i in range(pairs)]
    )
    servers = [start_server(kind, db, redis_url) for _ in range(processes)]
    try:
        before = sum(rss_mb(p.pid) for p, _ in servers)
        config = {
            "kind": kind,
            "urls": [url for _, url in servers],
            "pairs": [{"room": p["room"], "a": p["a"], "b": p["b"]} for p in room_pairs],
            "rate": rate,
            "duration": duration,
            "size": size,
            "drain": 3,
        }
        env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
        config_file = Path(tempfile.mkstemp(prefix="fair-bench-", suffix=".json")[1])
        config_file.write_text(json.dumps(config))
        node = subprocess.Popen(
            ["node", str(CLIENT), str(config_file)],
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        assert node.stdout is not None
        joined: dict[str, Any] = json.loads(node.stdout.readline() or "{}")
        time.sleep(0.5)
        during = sum(rss_mb(p.pid) for p, _ in servers)
        done: dict[str, Any] = json.loads(node.stdout.readline() or "{}")
        node.wait(60)
        config_file.unlink()
        result: dict[str, Any] = {
            "server": kind,
            "processes": processes,
            "redis": bool(redis_url),
            **{k: v for k, v in done.items() if k != "phase"},
            "joined": joined.get("clients", 0)
            - joined.get("connect_errors", 0)
            - joined.get("refused", 0),
            "server_rss_mb_idle": round(before, 1),
            "server_rss_mb_loaded": round(during, 1),
            "mb_per_client": round((during - before) / max(clients, 1), 4),
        }
        if kind == "fair" and deals:
            result["deals"] = asyncio.run(
                deal_burst([url for _, url in servers], room_pairs, deals, db)
            )
        return result
    finally:
        for proc, _ in servers:
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in servers:
            stop_server(proc)


# -- command line ---------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fair bench rooms",
        description="Socket.io room relay benchmark: this server next to a bare "
        "python-socketio relay, same machine, same load (socket.io-client under Node).",
    )
    p.add_argument("--clients", type=int, default=2000, help="connections (pairs of two)")
    p.add_argument("--rate", type=float, default=0.5, help="messages per second per client")
    p.add_argument("--duration", type=float, default=20, help="seconds of sending")
    p.add_argument("--size", type=int, default=200, help="approximate message bytes")
    p.add_argument("--processes", type=int, default=1, choices=(1, 2))
    p.add_argument("--redis", default="", help="Redis URL (needed with --processes 2)")
    p.add_argument("--db", default="", help="database URL (default: a temporary SQLite file)")
    p.add_argument("--deals", type=int, default=0, help="then submit N deals at once")
    p.add_argument("--only", choices=("fair", "bare"), help="measure one server only")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--serve", choices=("fair", "bare"), help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return p


def _row(r: dict[str, Any]) -> str:
    def ms(x: float | None) -> str:
        return "–" if x is None else f"{x:.1f}"

    return (
        f"{r['server']:<5} {r['processes']}p  joined {r['joined']:>5}  sent {r['sent']:>7}  "
        f"delivered {r['delivered']:>7}  lost {r['lost']:>5}  dup {r['duplicated']:>3}  "
        f"misrouted {r['misrouted']:>3}  {r['msgs_per_s']:>7.0f} msg/s  "
        f"p50 {ms(r['p50_ms'])}  p95 {ms(r['p95_ms'])}  p99 {ms(r['p99_ms'])} ms  "
        f"disconnects {r['disconnects']}  {r['mb_per_client'] * 1024:.0f} KB/client"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.serve:
        from bench.rooms.server import serve

        serve(args.serve, args.port, args.db, args.redis)
        return 0
    if args.processes == 2 and not args.redis:
        print("--processes 2 needs --redis URL", file=sys.stderr)
        return 2
    if not shutil.which("node") or not (ROOT / "node_modules" / "socket.io-client").is_dir():
        print("needs node and socket.io-client in node_modules (npm ci)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-"))
    try:
        results = []
        for kind in ("bare", "fair"):
            if args.only and kind != args.only:
                continue
            db = args.db or f"sqlite:///{workdir / 'bench.sqlite'}"
            results.append(
                measure(
                    kind,
                    args.clients,
                    args.rate,
                    args.duration,
                    args.size,
                    args.processes,
                    args.redis,
                    db,
                    args.deals,
                )
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    bare = next((r for r in results if r["server"] == "bare"), None)
    fair = next((r for r in results if r["server"] == "fair"), None)
    summary: dict[str, Any] = {"results": results}
    if bare and fair and bare["p50_ms"] and fair["p50_ms"]:
        summary["p50_ratio"] = round(fair["p50_ms"] / bare["p50_ms"], 2)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for r in results:
            print(_row(r))
            if "deals" in r:
                print("      deals:", json.dumps(r["deals"]))
        if "p50_ratio" in summary:
            print(f"p50 fair / bare: {summary['p50_ratio']}")
    return 0
