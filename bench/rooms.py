"""Benchmark of the live rooms: `python -m bench.rooms` (the `fair bench rooms`
command dispatches to `main(argv)`).

Many socket.io clients (the official `socket.io-client` under Node, from the project's
node_modules: `realtime/bench_client.js`) in rooms of two relay ~200-byte messages to
their partner. The same load runs against:

- **fair**: this project's `/meeting` namespace (`signal` events, sessions, room checks)
  on a synthetic fair with one online meeting per pair, on a SQLite file or `--db`;
- **bare**: a minimal python-socketio relay (join a room, emit to it) on the same machine.

Each server runs in its own process (as `fair serve` would: `gc.freeze()` after start-up)
so its memory is measured alone. Reported: sent, delivered, lost, duplicated, misrouted,
msgs/s, p50/p95/p99 latency, disconnects and server memory per connected client; `--json`
prints the same as JSON. With `--processes 2 --redis URL`, the two clients of every pair
connect to different processes, so every message crosses Redis; `--deals N` then submits N
deals at once across the processes and checks each is acknowledged and counted once.

The bench server authenticates clients by the `x-bench-participant` / `x-bench-token`
headers (participant id and live token hash it created itself) instead of the session
cookie, so this module needs nothing from `web/`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIENT = Path(__file__).with_name("bench_client.js")


# -- the synthetic fair -------------------------------------------------------------


def build_fair(url: str, pairs: int) -> list[dict[str, Any]]:
    """A published fair with `pairs` online meetings running now; returns, per pair, the
    room uid and each side's participant id and token hash."""
    from sqlmodel import Session

    from fair.db import open_database
    from fair.models import (
        AccessToken,
        Company,
        Fair,
        Meeting,
        MeetingRequest,
        Participant,
        Pavilion,
        PlaceKind,
        RequestStatus,
        Role,
        ScheduleVersion,
        TokenKind,
        VersionStatus,
    )

    engine = open_database(url)
    now = datetime.now(UTC).replace(microsecond=0)
    with Session(engine) as session:
        fair = Fair(
            name=f"Bench fair {now.isoformat()}",
            timezone="UTC",
            start=date.today(),
            days=1,
            day_start=dtime(0, 0),
            day_end=dtime(23, 30),
            slot_minutes=30,
        )
        session.add(fair)
        session.flush()
        assert fair.id is not None
        pavilion = Pavilion(fair_id=fair.id, key="KR", name="Korea Pavilion", country="KR")
        session.add(pavilion)
        session.flush()
        seller = Company(
            fair_id=fair.id,
            name="Seller",
            country="KR",
            role=Role.EXHIBITOR,
            pavilion_id=pavilion.id,
        )
        buyer = Company(fair_id=fair.id, name="Buyer", country="CN", role=Role.BUYER)
        session.add_all([seller, buyer])
        session.flush()
        assert seller.id is not None and buyer.id is not None
        people = []
        for i in range(2 * pairs):
            people.append(
                Participant(
                    fair_id=fair.id,
                    key=f"p{i}",
                    company_id=buyer.id if i % 2 == 0 else seller.id,
                    name=f"Person {i}",
                    email=f"p{i}@bench.example",
                    timezone="UTC",
                )
            )
        session.add_all(people)
        version = ScheduleVersion(
            fair_id=fair.id, number=1, status=VersionStatus.PUBLISHED, published_at=now
        )
        session.add(version)
        session.flush()
        assert version.id is not None
        requests = []
        for i in range(pairs):
            a, b = people[2 * i], people[2 * i + 1]
            assert a.id is not None and b.id is not None
            requests.append(
                MeetingRequest(
                    fair_id=fair.id,
                    key=f"r{i}",
                    from_id=a.id,
                    to_id=b.id,
                    status=RequestStatus.ACCEPTED,
                )
            )
        session.add_all(requests)
        session.flush()
        hashes = []
        for p in people:
            assert p.id is not None
            token_hash = hashlib.sha256(f"bench-{fair.id}-{p.id}".encode()).hexdigest()
            hashes.append(token_hash)
            session.add(
                AccessToken(
                    fair_id=fair.id,
                    participant_id=p.id,
                    kind=TokenKind.MAGIC,
                    token_hash=token_hash,
                )
            )
        for r in requests:
            assert r.id is not None
            session.add(
                Meeting(
                    fair_id=fair.id,
                    version_id=version.id,
                    request_id=r.id,
                    start=now - timedelta(minutes=1),
                    end=now + timedelta(hours=2),
                    place_kind=PlaceKind.ONLINE,
                    room=f"online-{r.key}",
                )
            )
        session.commit()
        result = [
            {
                "room": requests[i].uid,
                "a": {"pid": people[2 * i].id, "token": hashes[2 * i]},
                "b": {"pid": people[2 * i + 1].id, "token": hashes[2 * i + 1]},
                "fair": fair.id,
            }
            for i in range(pairs)
        ]
    engine.dispose()
    return result


# -- the servers ---------------------------------------------------------------------


def _bench_identify(environ: Mapping[str, Any]) -> dict[str, Any] | None:
    pid = environ.get("HTTP_X_BENCH_PARTICIPANT")
    if pid:
        return {"participant": int(pid), "token_hash": environ.get("HTTP_X_BENCH_TOKEN", "")}
    if environ.get("HTTP_X_BENCH_ORGANISER"):
        return {"organiser": 1}
    return None


def serve(kind: str, port: int, db: str, redis_url: str) -> None:
    """Run one bench server until killed."""
    import socketio
    from aiohttp import web

    app = web.Application()
    if kind == "bare":
        manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
        sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager)

        @sio.on("join")  # type: ignore[untyped-decorator]
        async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
            await sio.enter_room(sid, data["room"])
            return {"ok": True, "sid": sid}

        @sio.on("relay")  # type: ignore[untyped-decorator]
        async def relay(sid: str, data: dict[str, Any]) -> None:
            await sio.emit("relay", data, room=data["room"], skip_sid=sid)

    else:
        from fair.db import open_database
        from realtime.server import create_server
        from realtime.services import RoomServices

        engine = open_database(db)
        executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db")

        async def run(fn: Any) -> Any:
            return await asyncio.get_running_loop().run_in_executor(executor, fn)

        services = RoomServices(engine=lambda: engine, run=run, no_show_interval=3600)
        sio = create_server(redis_url, _bench_identify, services)
    sio.attach(app)

    async def freeze(_app: web.Application) -> None:
        from realtime.server import tune_gc

        tune_gc()  # both servers get what `fair serve` does

    app.on_startup.append(freeze)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (0 when it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(
    kind: str, db: str, redis_url: str, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start one bench server process (`serve`) on loopback and wait until it accepts
    connections; `port` reuses a port (a restart after a crash)."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIR_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.rooms",
            "--serve",
            kind,
            "--port",
            str(port),
            "--db",
            db,
            "--redis",
            redis_url,
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the {kind} bench server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    time.sleep(0.5)
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate (SIGTERM, then SIGKILL after 10 s) and reap."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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


async def deal_burst(
    urls: list[str], pairs: list[dict[str, Any]], count: int, db: str
) -> dict[str, Any]:
    """`count` deals submitted at once by sides on alternating processes, each one
    resubmitted too; then every process's dashboard must show the final total."""
    import socketio

    from fair.db import make_engine

    users: list[tuple[str, dict[str, Any]]] = [
        (urls[i % len(urls)], pair) for i, pair in enumerate(pairs[:count])
    ]
    clients = []
    boards = []
    finals: list[asyncio.Event] = []
    amounts = list(range(1, count + 1))
    expected = sum(amounts)
    fair_id = pairs[0]["fair"]
    started = time.perf_counter()
    for url in urls:
        board = socketio.AsyncClient(reconnection=False)
        seen = asyncio.Event()
        finals.append(seen)

        def on_totals(data: dict[str, Any], seen: asyncio.Event = seen) -> None:
            if data["value"] == f"{expected}.00":
                seen.set()

        board.on("totals", on_totals, namespace="/dashboard")
        await board.connect(
            url,
            namespaces=["/dashboard"],
            transports=["websocket"],
            headers={"x-bench-organiser": "1"},
        )
        await board.call("watch", {"fair": fair_id}, namespace="/dashboard")
        boards.append(board)
    for url, pair in users:
        c = socketio.AsyncClient(reconnection=False)
        await c.connect(
            url,
            namespaces=["/meeting"],
            transports=["websocket"],
            headers={
                "x-bench-participant": str(pair["a"]["pid"]),
                "x-bench-token": pair["a"]["token"],
            },
        )
        await c.call("join", {"meeting": pair["room"]}, namespace="/meeting")
        clients.append(c)
    sent = []
    for n in amounts:  # every deal twice: the resubmission must count once
        c = clients[n % len(clients)]
        key = f"bench-{fair_id}-{n}"
        data = {"type": "purchase", "amount": str(n), "currency": "USD", "client_key": key}
        sent.append(c.call("deal:record", data, namespace="/meeting", timeout=120))
        sent.append(c.call("deal:record", data, namespace="/meeting", timeout=120))
    t0 = time.perf_counter()
    acks = await asyncio.gather(*sent, return_exceptions=True)
    ack_s = time.perf_counter() - t0
    ok = [a for a in acks if isinstance(a, dict) and a.get("ok")]
    new = sum(1 for a in ok if not a["duplicate"])
    try:
        await asyncio.wait_for(asyncio.gather(*(f.wait() for f in finals)), 30)
        dashboards = "all saw the final total"
    except TimeoutError:
        dashboards = f"{sum(f.is_set() for f in finals)} of {len(finals)} saw the final total"
    for c in [*clients, *boards]:
        await c.disconnect()
    engine = make_engine(db)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM deal WHERE fair_id = ?"
            if db.startswith("sqlite")
            else "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM deal WHERE fair_id = %s",
            (fair_id,),
        ).one()
    engine.dispose()
    return {
        "submitted": len(sent),
        "distinct": count,
        "clients": len(clients),
        "acknowledged": len(ok),
        "counted_new": new,
        "stored": int(stored[0]),
        "stored_total": str(stored[1]),
        "expected_total": f"{expected}.00",
        "ack_seconds": round(ack_s, 2),
        "dashboards": dashboards,
        "total_seconds": round(time.perf_counter() - started, 2),
    }


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


if __name__ == "__main__":
    sys.exit(main())
