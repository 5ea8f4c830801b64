"""Two Chromium peers on networks that cannot reach each other connect through coturn.

The test builds three network namespaces: `a` and `b`, each with one browser, and `s`,
the server network, where coturn listens on one address per side (10.201.1.1 for `a`,
10.201.2.1 for `b`) and relays from a third (10.201.3.1) that neither side can reach.
`s` does not forward, so `a` and `b` have no path to each other: the only way their
peers meet is a relayed candidate pair. The ICE servers each browser uses are the ones
the app's `join` ack hands its participant (credentials minted with the secret coturn
checks); the signalling is relayed by the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fair.settings import Settings
from tests.coturn import Coturn, free_udp_port, need_turnserver, running_coturn
from tests.e2e.conftest import CHROMIUM, IN_CI
from tests.realtime.conftest import RATES, Live, live, live_meeting  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

PEER = Path(__file__).with_name("turn_peer.py")
SIDE_A, SIDE_B, RELAY = "10.201.1", "10.201.2", "10.201.3.1"


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


def ip(*args: str, netns: str | None = None) -> None:
    command = ["ip", *args] if netns is None else ["ip", "netns", "exec", netns, "ip", *args]
    subprocess.run(command, check=True, capture_output=True, timeout=20)


@dataclass(frozen=True)
class Networks:
    a: str
    b: str
    s: str


@pytest.fixture
def networks() -> Iterator[Networks]:
    """Namespaces a, b (one veth each to s) and s (no forwarding); always removed."""
    _need(os.geteuid() == 0, "network namespaces need root (CI runs as root)")
    _need(shutil.which("ip") is not None, "iproute2 `ip` is not installed")
    _need(os.path.exists(CHROMIUM), f"Chromium not installed at {CHROMIUM}")
    need_turnserver()
    tag = secrets.token_hex(3)
    nets = Networks(f"fair-{tag}-a", f"fair-{tag}-b", f"fair-{tag}-s")
    made: list[str] = []
    try:
        for name in (nets.a, nets.b, nets.s):
            ip("netns", "add", name)
            made.append(name)
            ip("link", "set", "lo", "up", netns=name)
        for side, net, prefix in (("a", nets.a, SIDE_A), ("b", nets.b, SIDE_B)):
            inner, outer = f"ft{tag}{side}", f"ft{tag}{side}s"
            ip("link", "add", inner, "netns", net, "type", "veth", "peer", outer, "netns", nets.s)
            ip("addr", "add", f"{prefix}.2/24", "dev", inner, netns=net)
            ip("link", "set", inner, "up", netns=net)
            ip("addr", "add", f"{prefix}.1/24", "dev", outer, netns=nets.s)
            ip("link", "set", outer, "up", netns=nets.s)
        # The relay address: on s's loopback device, so nothing outside s reaches it.
        ip("addr", "add", f"{RELAY}/32", "dev", "lo", netns=nets.s)
        subprocess.run(
            ["ip", "netns", "exec", nets.s, "sysctl", "-qw", "net.ipv4.ip_forward=0"],
            check=True,
            timeout=20,
        )
        yield nets
    finally:
        for name in made:
            subprocess.run(["ip", "netns", "del", name], check=False, timeout=20)


@pytest.fixture
def coturn_s(networks: Networks, tmp_path: Path) -> Iterator[Coturn]:
    with running_coturn(
        tmp_path,
        listen=(f"{SIDE_A}.1", f"{SIDE_B}.1"),
        relay=RELAY,
        port=free_udp_port(),
        netns=networks.s,
    ) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, coturn_s: Coturn) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        deals_rates=RATES,
        rooms_turn_urls=(
            f"turn:{SIDE_A}.1:{coturn_s.port}?transport=udp",
            f"turn:{SIDE_B}.1:{coturn_s.port}?transport=udp",
        ),
        turn_secret=coturn_s.secret,
    )


class Browser:
    """turn_peer.py under `ip netns exec`, spoken to in JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, netns: str, role: str) -> Browser:
        process = await asyncio.create_subprocess_exec(
            "ip",
            "netns",
            "exec",
            netns,
            sys.executable,
            str(PEER),
            role,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=str(PEER.parents[2]),
        )
        return cls(process)

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()

    async def read(self, key: str) -> Any:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=90)
        if not line:
            assert self.process.stderr is not None
            err = (await self.process.stderr.read()).decode(errors="replace")
            raise AssertionError(f"the browser peer exited: {err[-3000:]}")
        message = json.loads(line)
        assert key in message, message
        return message[key]

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
        await self.process.wait()
        if self.process.stderr is not None:
            await self.process.stderr.read()


@pytest.fixture
async def browsers(networks: Networks) -> AsyncIterator[tuple[Browser, Browser]]:
    a = await Browser.start(networks.a, "offer")
    b = await Browser.start(networks.b, "answer")
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def unreachable(netns: str, address: str) -> bool:
    """No route from `netns` to `address` (`ip route get` fails: network unreachable)."""
    route = subprocess.run(
        ["ip", "netns", "exec", netns, "ip", "route", "get", address],
        capture_output=True,
        timeout=20,
    )
    return route.returncode != 0


async def test_turn_peers_on_separate_networks_connect_through_relay(
    live: Live,  # noqa: F811  (the fixture imported above)
    networks: Networks,
    coturn_s: Coturn,
    browsers: tuple[Browser, Browser],
) -> None:
    assert not unreachable(networks.a, f"{SIDE_A}.1")  # a reaches coturn
    for side, other in ((networks.a, SIDE_B), (networks.b, SIDE_A)):
        assert unreachable(side, f"{other}.2") and unreachable(side, RELAY)
    buyer = await live.connect("cn1")
    seller = await live.connect("kr1")
    ack_a = await buyer.call("join", {"meeting": live.uid})
    ack_b = await seller.call("join", {"meeting": live.uid})
    assert ack_a["ice_servers"][0]["username"].endswith(f":{ack_a['you']['participant']}")

    a, b = browsers
    await a.send({"ice_servers": ack_a["ice_servers"]})
    offer = await a.read("description")
    await b.send({"ice_servers": ack_b["ice_servers"], "offer": offer})
    answer = await b.read("description")
    await a.send({"answer": answer})
    got_a, got_b = await asyncio.gather(a.read("result"), b.read("result"))

    assert got_a["heard"] == "hello from answer" and got_b["heard"] == "hello from offer"
    for got in (got_a, got_b):
        assert got["state"] in {"connected", "completed"}
        assert (got["local"], got["remote"]) == ("relay", "relay"), got
        assert got["local_address"] == RELAY
    log = coturn_s.log.read_text(errors="replace")
    assert ack_a["ice_servers"][0]["username"] in log
