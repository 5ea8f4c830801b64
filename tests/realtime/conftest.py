"""A published fair whose online meeting (de1 → kr1) runs now, served by the real app,
and real python-socketio clients signed in with the session cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer
from sqlmodel import select

from fair.db import open_database, session_scope
from fair.models import Meeting, MeetingRequest, PlaceKind
from fair.settings import Settings
from tests.web.conftest import ORGANISER
from web.app import create_app

RATES = (("CNY", 0.14), ("KRW", 0.00072))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        deals_rates=RATES,
        stage_recordings_dir=str(tmp_path / "recordings"),
    )


def move_online_meeting(url: str, start: datetime, minutes: int = 30) -> str:
    """Make the published meeting cn1 → kr1 (interpreter int1 in the third seat) an
    online one at `start`; returns its room uid."""
    engine = open_database(url)
    with session_scope(engine) as session:
        meeting, request = session.exec(
            select(Meeting, MeetingRequest)
            .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)  # type: ignore[arg-type]
            .where(MeetingRequest.key == "r1")
        ).one()
        meeting.place_kind = PlaceKind.ONLINE
        meeting.booth_id = meeting.table_id = None
        meeting.room = "online-1"
        meeting.start = start
        meeting.end = start + timedelta(minutes=minutes)
        session.add(meeting)
        uid = request.uid
    engine.dispose()
    return uid


@pytest.fixture
def live_meeting(settings: Settings, published_fair: tuple[int, dict[str, str]]) -> str:
    return move_online_meeting(
        settings.database_url, datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    )


@dataclass
class Peer:
    """One socket.io client in /meeting, recording every event it receives."""

    client: socketio.AsyncClient
    events: list[tuple[str, Any]] = field(default_factory=list)

    def got(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    async def call(self, event: str, data: Any = None, namespace: str = "/meeting") -> Any:
        return await self.client.call(event, data, namespace=namespace, timeout=10)


EVENTS = (
    "presence",
    "peer:joined",
    "peer:left",
    "signal",
    "chat",
    "deal",
    "late",
    "announcement",
    "offer",
    "cancelled",
    "error",
    "totals",
    "signed_out",
)


@dataclass
class Live:
    server: TestServer
    fair_id: int
    tokens: dict[str, str]
    uid: str
    peers: list[Peer] = field(default_factory=list)

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def cookie(self, who: str) -> str:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            if who == "organiser":
                r = await http.post(
                    f"{self.base}/login",
                    data={"email": ORGANISER[0], "password": ORGANISER[1]},
                    allow_redirects=False,
                )
            else:
                r = await http.get(f"{self.base}/p/{self.tokens[who]}", allow_redirects=False)
            assert r.status == 302
            return r.cookies["fair_session"].value

    async def connect(self, who: str | None, namespace: str = "/meeting") -> Peer:
        client = socketio.AsyncClient(reconnection=False)
        peer = Peer(client)
        for name in EVENTS:
            client.on(name, _recorder(peer, name), namespace=namespace)
        headers = {"Cookie": f"fair_session={await self.cookie(who)}"} if who else {}
        await client.connect(
            self.base,
            namespaces=[namespace],
            headers=headers,
            transports=["websocket"],
            wait_timeout=5,  # socket.io's default 1 s is tight on a busy 2-core machine
        )
        self.peers.append(peer)
        return peer


def _recorder(peer: Peer, name: str) -> Callable[[Any], Awaitable[None]]:
    async def record(data: Any = None) -> None:
        peer.events.append((name, data))

    return record


@pytest.fixture
async def live(
    aiohttp_server: Any,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
    live_meeting: str,
) -> AsyncIterator[Live]:
    server: TestServer = await aiohttp_server(create_app(settings))
    state = Live(server, published_fair[0], published_fair[1], live_meeting)
    yield state
    for peer in state.peers:
        # Also when it dropped: a dropped client's HTTP session is closed only here.
        await peer.client.disconnect()


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def money(text: str) -> Decimal:
    return Decimal(text)


# The same published fair as the web tests.
import tests.web.conftest as web_conftest  # noqa: E402

published_fair = web_conftest.published_fair

# The fair running now of the freed-slot tests (tests/live_fair.py).
from tests.live_fair import clock, live_fair  # noqa: E402, F401
