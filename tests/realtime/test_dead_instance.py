"""Two server processes (two real apps on one database): process A "dies" (its heartbeat
stops and is older than the timeout), B's liveness loop sweeps it, and B's clients see
presence and the audience drop; a full roadshow has a free place again, the dashboard
counts one viewer less. The timeout is made short instead of waiting 30 s."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import update
from sqlmodel import col

from fair import presence
from fair.db import make_engine, session_scope
from fair.models import ServerInstance
from fair.settings import Settings
from realtime.server import Liveness
from realtime.services import RoomServices
from tests.realtime.conftest import Live, Peer, eventually
from tests.realtime.test_roadshow_stage import Stage, add_roadshow
from web.app import create_app
from web.keys import SIO

pytestmark = pytest.mark.integration


def services(app: Any) -> RoomServices:
    result: RoomServices = app[SIO].namespace_handlers["/meeting"].services
    return result


@dataclass
class Pair:
    a: Stage  # the process that dies
    b: Stage
    instance_a: str
    liveness_b: Liveness


def backdate(settings: Settings, instance: str, seconds: float) -> None:
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        session.execute(
            update(ServerInstance)
            .where(col(ServerInstance.id) == instance)
            .values(heartbeat_at=datetime.now(UTC) - timedelta(seconds=seconds))
        )
    engine.dispose()


@pytest.fixture
async def pair(
    aiohttp_server: Any,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
    live_meeting: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Pair]:
    roadshow, products = add_roadshow(settings.database_url, limit="1")
    apps = [create_app(settings), create_app(settings)]
    servers: list[TestServer] = [await aiohttp_server(app) for app in apps]
    stages = [Stage(s, published_fair[0], published_fair[1], live_meeting) for s in servers]
    for stage in stages:
        stage.roadshow, stage.products = roadshow, products
    instance_a = services(apps[0]).instance
    beat = presence.heartbeat

    def heartbeat_unless_dead(session: Any, instance: str, now: datetime, name: str = "") -> bool:
        return True if instance == instance_a else beat(session, instance, now, name)

    # A is "SIGKILLed": from now on it writes no heartbeat (its first one is in already).
    await eventually(lambda: lookup(settings, instance_a))
    monkeypatch.setattr(presence, "heartbeat", heartbeat_unless_dead)
    fast = replace(services(apps[1]), heartbeat_interval=0.05, instance_timeout=0.5)
    state = Pair(stages[0], stages[1], instance_a, Liveness(apps[1][SIO], fast))
    yield state
    for stage in stages:
        for peer in stage.peers:
            if peer.client.connected:
                await peer.client.disconnect()


def lookup(settings: Settings, instance: str) -> bool:
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        found = session.get(ServerInstance, instance) is not None
    engine.dispose()
    return found


async def sweeping(pair: Pair) -> asyncio.Task[None]:
    return asyncio.ensure_future(pair.liveness_b.run())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def online(peer: Peer, key_name: str) -> bool | None:
    people = peer.got("presence")
    if not people:
        return None
    return bool(next(p["online"] for p in people[-1]["people"] if p["name"] == key_name))


async def test_presence_of_dead_process_drops_for_the_others(
    pair: Pair, settings: Settings
) -> None:
    buyer = await Live.connect(pair.a, "cn1")  # on A
    seller = await Live.connect(pair.b, "kr1")  # on B
    assert (await buyer.call("join", {"meeting": pair.a.uid}))["ok"]
    ack = await seller.call("join", {"meeting": pair.b.uid})
    buyer_name = next(m["name"] for m in ack["meeting"]["members"] if m["side"] == "from")
    assert next(p["online"] for p in ack["presence"] if p["name"] == buyer_name) is True

    backdate(settings, pair.instance_a, 60)  # A's last heartbeat is a minute old
    task = await sweeping(pair)
    try:
        await eventually(lambda: online(seller, buyer_name) is False, 10)
    finally:
        await stop(task)
    assert not lookup(settings, pair.instance_a)
    # The seller, on B, is still in the room.
    seller_name = next(m["name"] for m in ack["meeting"]["members"] if m["side"] == "to")
    assert online(seller, seller_name) is True


async def test_full_roadshow_frees_the_place_of_a_dead_process_viewer(
    pair: Pair, settings: Settings
) -> None:
    presenter, ack = await pair.b.join("kr2")
    assert ack["ok"]
    board = await Live.connect(pair.b, "organiser", "/dashboard")
    watched = await board.call("watch", {"fair": pair.b.fair_id}, namespace="/dashboard")
    _, first = await pair.a.join("de1")  # the one place, taken on A
    assert first["ok"]
    late, refused = await pair.b.join("cn1")
    assert refused["error"]["code"] == "full"
    assert watched["totals"]["livestream"]["viewers_now"] in {1, 2}

    backdate(settings, pair.instance_a, 60)
    task = await sweeping(pair)
    try:
        await eventually(lambda: presenter.got("audience")[-1:] == [{"count": 0}], 10)
        await eventually(
            lambda: any(t["livestream"]["viewers_now"] == 1 for t in board.got("totals")), 10
        )
    finally:
        await stop(task)
    again = await late.call("join", {"roadshow": pair.b.roadshow}, namespace="/stage")
    assert again["ok"] and again["audience"] == 1
