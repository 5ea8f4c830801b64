"""The slot change benchmark (`fair bench joins`): every meeting of a fair starts on the
same slot boundary, so N people open their next room within a few seconds.

For each N of `--clients` (default 500, 1,000 and 2,000) and each process count of
`--processes` (default 1, and 2 on Redis), in every run: a synthetic fair with one online
meeting per pair running now (`bench.rooms.synthetic`) in a fresh database, `fair serve`
as deployed (`bench.deployed`), everyone signed in through their personal link; then the
Node client (`bench/join_client.js`, socket.io-client) opens each person's connection and
joins their room at moments spread evenly over `--window` seconds. Reported: joins
answered, failures by reason, join time p50/p95/p99/max (from each client's moment to the
acknowledgement), server CPU per join and SQL statements per join (read from the
servers' `/metrics` before and after), beside a bare python-socketio join (connect, enter
a room) under the same load in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.deployed import add_db_argument
from bench.servers import ROOT, start_bare, stop_server

CLIENT = ROOT / "bench" / "join_client.js"
GOAL = "1,000 joins in 10 s answered with p99 ≤ 1 s on one process"


def metrics(url: str) -> dict[str, float]:
    """A server's `/metrics` (asked directly on loopback, as a local monitor does)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        name: float(value)
        for name, value in (line.split() for line in text.splitlines() if line and line[0] != "#")
    }


def drive(
    kind: str, urls: list[str], people: list[dict[str, Any]], window: float
) -> dict[str, Any]:
    """Run the Node join client; its figures."""
    import subprocess

    config = {"kind": kind, "urls": urls, "people": people, "window": window, "timeout": 30}
    env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
    with tempfile.NamedTemporaryFile("w", prefix="fair-joins-", suffix=".json") as f:
        json.dump(config, f)
        f.flush()
        done = subprocess.run(
            ["node", str(CLIENT), f.name], capture_output=True, env=env, cwd=ROOT, timeout=300
        )
    if done.returncode != 0:
        raise RuntimeError(f"the join client failed: {done.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure_bare(clients: int, processes: int, redis: str, window: float) -> dict[str, Any]:
    servers = [start_bare(redis if processes > 1 else "") for _ in range(processes)]
    try:
        people = [{"room": f"room-{i // 2}", "server": i % processes} for i in range(clients)]
        return {"server": "bare", **drive("bare", [u for _, u in servers], people, window)}
    finally:
        for proc, _ in servers:
            stop_server(proc)


def measure_fair(
    clients: int, processes: int, redis: str, db: str, window: float
) -> dict[str, Any]:
    from bench.deployed import Deployment, scratch_database, sign_in
    from bench.rooms.synthetic import build_fair

    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-joins-"))
    try:
        with scratch_database(db, workdir) as url:
            built = build_fair(url, clients // 2)
            with Deployment(url, workdir, redis if processes > 1 else "") as deployment:
                deployment.start(processes)
                urls = deployment.urls
                tokens = [p[side]["token"] for p in built["pairs"] for side in ("a", "b")]
                signed = asyncio.run(sign_in(urls[0], tokens))
                people = [
                    {
                        "headers": signed[i],
                        "room": built["pairs"][i // 2]["room"],
                        "server": i % processes,
                    }
                    for i in range(len(signed))
                ]
                before = [metrics(u) for u in urls]
                result = drive("fair", urls, people, window)
                after = [metrics(u) for u in urls]
        joined = max(result["joined"], 1)
        cpu = sum(
            a["process_cpu_seconds_total"] - b["process_cpu_seconds_total"]
            for a, b in zip(after, before, strict=True)
        )
        statements = sum(
            a["fair_db_statements_total"] - b["fair_db_statements_total"]
            for a, b in zip(after, before, strict=True)
        )
        return {
            "server": "fair",
            **result,
            "cpu_ms_per_join": round(cpu * 1000 / joined, 2),
            "statements_per_join": round(statements / joined, 2),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fair bench joins",
        description="The slot change: N people join their meeting rooms within a window, "
        "on `fair serve` as deployed, beside a bare python-socketio join in the same run.",
    )
    p.add_argument("--clients", default="500,1000,2000", help="people joining, comma-separated")
    p.add_argument("--window", type=float, default=10.0, help="seconds over which they join")
    p.add_argument(
        "--processes", default="1,2", help="process counts, comma-separated (2 needs --redis)"
    )
    p.add_argument("--redis", default="redis://127.0.0.1:6379/6", help="Redis URL for 2 processes")
    add_db_argument(p)
    p.add_argument("--runs", type=int, default=1, help="runs of the whole table")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def _row(r: dict[str, Any]) -> str:
    def ms(x: float | None) -> str:
        return "–" if x is None else f"{x:8.1f}"

    failed = sum(r["failures"].values())
    extra = (
        f"  {r['cpu_ms_per_join']:6.2f} ms CPU/join"
        f"  {r['statements_per_join']:5.1f} statements/join"
        if r["server"] == "fair"
        else ""
    )
    return (
        f"{r['server']:<5} {r['processes']}p {r['clients']:>5} joins  answered {r['joined']:>5}  "
        f"failed {failed:>4}  p50 {ms(r['p50_ms'])}  p95 {ms(r['p95_ms'])}  "
        f"p99 {ms(r['p99_ms'])}  max {ms(r['max_ms'])} ms  last {r['span_s']:5.1f} s{extra}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not shutil.which("node") or not (ROOT / "node_modules" / "socket.io-client").is_dir():
        print("needs node and socket.io-client in node_modules (npm ci)", file=sys.stderr)
        return 2
    sizes = [int(x) for x in args.clients.split(",")]
    counts = [int(x) for x in args.processes.split(",")]
    rows: list[dict[str, Any]] = []
    for run in range(1, args.runs + 1):
        for processes in counts:
            for n in sizes:
                load = round(os.getloadavg()[0], 2)
                for kind in ("bare", "fair"):
                    r = (
                        measure_bare(n, processes, args.redis, args.window)
                        if kind == "bare"
                        else measure_fair(n, processes, args.redis, args.db, args.window)
                    )
                    r.update(run=run, processes=processes, load_before=load, window_s=args.window)
                    rows.append(r)
                    if not args.json:
                        print(f"run {run} load {load:4.2f}  " + _row(r), flush=True)
    if args.json:
        print(json.dumps({"goal": GOAL, "rows": rows}, indent=2))
    else:
        print(f"goal: {GOAL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
