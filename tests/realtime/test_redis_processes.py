"""Two `fair serve` processes sharing one database and Redis: rooms span both, and deals
recorded on both add up to one total on every dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
import socketio

from fair.settings import Settings
from tests.realtime.conftest import Live, Peer, eventually

pytestmark = [pytest.mark.integration, pytest.mark.redis]
REDIS_URL = os.environ.get("FAIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parents[2]


def redis_available() -> bool:
    host, port = "127.0.0.1", 6379
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def two_servers(settings: Settings, live_meeting: str, tmp_path: Path) -> Iterator[list[str]]:
    with serve_two(settings, tmp_path) as urls:
        yield urls


@contextlib.contextmanager
def serve_two(
    settings: Settings, tmp_path: Path, extra: dict[str, str] | None = None
) -> Iterator[list[str]]:
    """Two `fair serve` processes on `settings`' database and a shared Redis (skips, or
    fails in CI, without Redis), with `extra` environment variables; their base URLs."""
    if not redis_available():
        if IN_CI:
            pytest.fail(f"Redis is required in CI and not reachable for {REDIS_URL}")
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379 (required in CI; {REDIS_URL})")
    import redis

    # Rate-limit windows of an earlier test (same participant ids) must not carry over.
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FAIR_")},
        "FAIR_SECRET_KEY": settings.secret_key,
        "FAIR_REDIS_URL": REDIS_URL,
        "FAIR_DEALS_RATES": '{"CNY": 0.14, "KRW": 0.00072}',
        "PYTHONPATH": str(ROOT),
        **(extra or {}),
    }
    code = "import sys; from web.cli import main; sys.exit(main(sys.argv[1:]))"
    ports = [free_port(), free_port()]
    logs = [open(tmp_path / f"server-{p}.log", "wb") for p in ports]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--db", settings.database_url, "--port", str(p)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for p, log in zip(ports, logs, strict=True)
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 30
        for url, proc in zip(urls, procs, strict=True):
            while True:
                assert proc.poll() is None, (tmp_path / f"server-{url[-5:]}.log").read_text()
                try:
                    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 0.2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(15)
        for log in logs:
            log.close()


async def connect(base: str, live: Live, who: str, namespace: str = "/meeting") -> Peer:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        if who == "organiser":
            from tests.web.conftest import ORGANISER

            r = await http.post(
                f"{base}/login",
                data={"email": ORGANISER[0], "password": ORGANISER[1]},
                allow_redirects=False,
            )
        else:
            r = await http.get(f"{base}/p/{live.tokens[who]}", allow_redirects=False)
        cookie = r.cookies["fair_session"].value
    from tests.realtime.conftest import EVENTS, _recorder

    client = socketio.AsyncClient(reconnection=False)
    peer = Peer(client)
    for name in EVENTS:
        client.on(name, _recorder(peer, name), namespace=namespace)
    await client.connect(
        base,
        namespaces=[namespace],
        headers={"Cookie": f"fair_session={cookie}"},
        transports=["websocket"],
        wait_timeout=5,
    )
    return peer


async def test_two_processes_share_rooms_and_count_deals_once(
    two_servers: list[str], published_fair: tuple[int, dict[str, str]], live_meeting: str
) -> None:
    a, b = two_servers
    live = Live(server=None, fair_id=published_fair[0], tokens=published_fair[1], uid=live_meeting)  # type: ignore[arg-type]
    buyer = await connect(a, live, "cn1")
    seller = await connect(b, live, "kr1")
    boards = [await connect(url, live, "organiser", "/dashboard") for url in (a, b)]
    peers = [buyer, seller, *boards]
    try:
        for board in boards:
            ack = await board.call("watch", {"fair": live.fair_id}, namespace="/dashboard")
            assert ack["ok"] is True
        me = (await buyer.call("join", {"meeting": live.uid}))["you"]["sid"]
        other = (await seller.call("join", {"meeting": live.uid}))["you"]["sid"]
        # Presence, signalling and chat cross the processes.
        await eventually(lambda: bool(buyer.got("peer:joined")), 10)
        assert buyer.got("peer:joined")[0]["sid"] == other
        await buyer.call("signal", {"to": other, "description": {"type": "offer", "sdp": "x"}})
        await eventually(lambda: bool(seller.got("signal")), 10)
        assert seller.got("signal")[0]["from"] == me
        await seller.call("chat", {"text": "안녕하세요"})
        await eventually(lambda: any(c["text"] == "안녕하세요" for c in buyer.got("chat")), 10)

        # Deals recorded on both processes at once; one is resubmitted on the other.
        def deal(amount: int) -> dict[str, object]:
            return {
                "type": "purchase",
                "amount": str(amount),
                "currency": "USD",
                "client_key": uuid.uuid4().hex,
            }

        mine = [deal(100 + i) for i in range(25)]
        theirs = [deal(1000 + i) for i in range(25)]
        acks = await asyncio.gather(
            *(buyer.call("deal:record", d) for d in mine),
            *(seller.call("deal:record", d) for d in theirs),
            buyer.call("deal:record", mine[0]),
        )
        assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]][:3]
        assert sum(not ack["duplicate"] for ack in acks) == 50
        expected = Decimal(sum(100 + i for i in range(25)) + sum(1000 + i for i in range(25)))

        def final(board: Peer) -> bool:
            totals = board.got("totals")
            return bool(totals) and max(totals, key=lambda t: t["as_of"])["value"] == str(
                expected.quantize(Decimal("0.01"))
            )

        for board in boards:
            await eventually(lambda board=board: final(board), 15)
            latest = max(board.got("totals"), key=lambda t: t["as_of"])
            assert latest["deals"] == 50 and latest["rooms_live"] == 1
    finally:
        for peer in peers:
            await peer.client.disconnect()


async def test_deal_flood_is_limited_over_both_processes(
    two_servers: list[str], published_fair: tuple[int, dict[str, str]], live_meeting: str
) -> None:
    """The deal limit is per participant, not per process: half a flood on each process
    still stops at DEALS_PER_MINUTE."""
    from realtime.meetings import DEALS_PER_MINUTE

    live = Live(server=None, fair_id=published_fair[0], tokens=published_fair[1], uid=live_meeting)  # type: ignore[arg-type]
    sides = [await connect(url, live, "cn1") for url in two_servers]
    try:
        for side in sides:
            assert (await side.call("join", {"meeting": live.uid}))["ok"] is True
        acks = []
        for n in range(DEALS_PER_MINUTE + 4):
            body = {
                "type": "intent",
                "amount": "1",
                "currency": "USD",
                "client_key": f"flood-{n:04}",
            }
            acks.append(await sides[n % 2].call("deal:record", body))
        assert all(a["ok"] for a in acks[:DEALS_PER_MINUTE]), [a for a in acks if not a["ok"]][:2]
        assert [a["error"]["code"] for a in acks[DEALS_PER_MINUTE:]] == ["slow_down"] * 4
    finally:
        for side in sides:
            await side.client.disconnect()
