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

from fair import instances, presence
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
    beat = instances.heartbeat
    # A is "SIGKILLed": from now on it writes no heartbeat (its first one is in already,
    # and its loop goes on believing it beats, under the registration it had).
    await eventually(lambda: lookup(settings, instance_a))
    registered = registration(settings, instance_a)

    def heartbeat_unless_dead(
        session: Any, instance: str, now: datetime, name: str = ""
    ) -> datetime:
        return registered if instance == instance_a else beat(session, instance, now, name)

    monkeypatch.setattr(instances, "heartbeat", heartbeat_unless_dead)
    # B's sweeping loop, fast: it beats for B too (B's own loop beats every 10 s).
    fast = replace(services(apps[1]), heartbeat_interval=0.05, instance_timeout=0.5)
    state = Pair(stages[0], stages[1], instance_a, Liveness(apps[1][SIO], fast))
    yield state
    for stage in stages:
        for peer in stage.peers:
            # Also when it dropped: a dropped client's HTTP session is closed only here.
            await peer.client.disconnect()


def registration(settings: Settings, instance: str) -> datetime:
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        row = session.get(ServerInstance, instance)
        assert row is not None
        found = row.started_at
    engine.dispose()
    return found


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
        await eventually(lambda: not lookup(settings, pair.instance_a), 10)  # swept
        await eventually(lambda: online(seller, buyer_name) is False, 10)
    finally:
        await stop(task)
    # The seller, on B, is still in the room.
    seller_name = next(m["name"] for m in ack["meeting"]["members"] if m["side"] == "to")
    assert online(seller, seller_name) is True


async def test_full_roadshow_frees_the_place_of_a_dead_process_viewer(
    pair: Pair, settings: Settings
) -> None:
    presenter, ack = await pair.b.join("kr2")
    assert ack["ok"]
    _, first = await pair.a.join("de1")  # the one place, taken on A
    assert first["ok"]
    late, refused = await pair.b.join("cn1")
    assert refused["error"]["code"] == "full"
    board = await Live.connect(pair.b, "organiser", "/dashboard")
    watched = await board.call("watch", {"fair": pair.b.fair_id}, namespace="/dashboard")
    assert watched["totals"]["livestream"]["viewers_now"] == 2  # de1 and the presenter

    backdate(settings, pair.instance_a, 60)
    heard, totals = len(presenter.got("audience")), len(board.got("totals"))
    task = await sweeping(pair)
    try:
        await eventually(lambda: not lookup(settings, pair.instance_a), 10)  # swept
        # What the sweep sent (not what came before it): the audience and the dashboard.
        await eventually(lambda: presenter.got("audience")[heard:][-1:] == [{"count": 0}], 10)
        await eventually(
            lambda: any(t["livestream"]["viewers_now"] == 1 for t in board.got("totals")[totals:]),
            10,
        )
    finally:
        await stop(task)
    again = await late.call("join", {"roadshow": pair.b.roadshow}, namespace="/stage")
    assert again["ok"] and again["audience"] == 1


async def test_process_taken_for_dead_counts_its_clients_again(
    pair: Pair, settings: Settings
) -> None:
    """B is alive but was taken for dead (stuck longer than the timeout, say): its next
    beat notices and counts the clients it still holds again, and tells the room."""
    buyer = await Live.connect(pair.b, "cn1")
    seller = await Live.connect(pair.b, "kr1")
    assert (await buyer.call("join", {"meeting": pair.b.uid}))["ok"]
    ack = await seller.call("join", {"meeting": pair.b.uid})
    buyer_name = next(m["name"] for m in ack["meeting"]["members"] if m["side"] == "from")
    alive = pair.liveness_b
    assert await alive.beat() is True  # B's registration, as its loop knows it
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:  # another process's sweep, B looking silent
        later = datetime.now(UTC) + timedelta(hours=1)
        assert (
            services(pair.b.server.app).instance
            in instances.sweep_instances(session, later, 30).instances
        )
        room = presence.load_room(session, pair.b.uid)
        assert not any(p["online"] for p in presence.presence(session, room))
    heard = len(seller.got("presence"))

    assert await alive.beat() is False  # taken for dead: count again

    with session_scope(engine) as session:
        room = presence.load_room(session, pair.b.uid)
        online_now = {str(p["name"]) for p in presence.presence(session, room) if p["online"]}
    engine.dispose()
    assert buyer_name in online_now and len(online_now) == 2
    await eventually(lambda: len(seller.got("presence")) > heard, 10)
    assert online(seller, buyer_name) is True
