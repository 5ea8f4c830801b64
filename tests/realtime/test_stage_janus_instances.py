"""Several Janus instances (`stage.janus_url` lists them; docs/deploy.md "Several Janus
instances"): each roadshow's room goes on one instance by rendezvous hashing of its id,
the capacity is each instance's, and when the instance a stage is on dies the
presenter's next publish makes the room on the next live one and viewers watch there
(issue 20, item 1). Two real Janus processes (tests/janus.py)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from fair import roadshows as rs
from fair.db import open_database, session_scope
from fair.errors import InvalidInput
from fair.models import Pavilion
from fair.settings import Settings, load_settings
from realtime import stage_media
from realtime.janus import Janus, JanusError, MediaServer
from realtime.stage_media import StageMedia, ranking
from tests.janus import JanusServer, running_janus
from tests.realtime.conftest import RATES, eventually
from tests.realtime.test_roadshow_stage import Stage, add_roadshow, call
from tests.realtime.test_stage_janus import MediaPeer, go_live, watch
from web.app import create_app

pytestmark = pytest.mark.integration
ENV = {"FAIR_JANUS_API_SECRET": "s", "FAIR_JANUS_ADMIN_KEY": "k"}


# -- settings and placement (no Janus needed) ------------------------------------------


def test_janus_url_takes_one_url_or_several_comma_separated() -> None:
    one = load_settings(None, {**ENV, "FAIR_STAGE_JANUS_URL": "http://10.0.0.20:8088/janus"})
    assert one.stage_janus_url == "http://10.0.0.20:8088/janus"
    several = load_settings(
        None,
        {**ENV, "FAIR_STAGE_JANUS_URL": "http://10.0.0.20:8088/janus, http://10.0.0.21:8088/janus"},
    )
    media = MediaServer(several.stage_janus_url, "s", "k", 500, "x")
    assert media.urls == ("http://10.0.0.20:8088/janus", "http://10.0.0.21:8088/janus")
    assert MediaServer(one.stage_janus_url, "s", "k", 500, "x").urls == (one.stage_janus_url,)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "http://a:8088/janus,ftp://b/janus",
            "stage.janus_url must be http(s):// URLs, comma-separated, got 'ftp://b/janus'",
        ),
        (
            "http://a:8088/janus,",
            "stage.janus_url must be http(s):// URLs, comma-separated, got ''",
        ),
        ("http://a/janus,http://a/janus", "stage.janus_url lists the same Janus twice"),
    ],
)
def test_a_bad_janus_list_is_refused_naming_the_entry(value: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        load_settings(None, {**ENV, "FAIR_STAGE_JANUS_URL": value})
    assert str(refused.value) == message


def test_rooms_are_spread_by_rendezvous_hashing_and_removing_an_instance_moves_only_its_rooms() -> (
    None
):
    urls = tuple(f"http://10.0.0.{n}:8088/janus" for n in (20, 21, 22))
    homes = {roadshow: ranking(urls, roadshow)[0] for roadshow in range(1, 601)}
    # The same everywhere, whatever the order the instances are listed in.
    assert all(ranking(urls[::-1], r)[0] == home for r, home in homes.items())
    # Spread: each instance carries about a third of the rooms.
    for url in urls:
        assert 150 <= sum(1 for home in homes.values() if home == url) <= 250
    # Without the third instance only its rooms move, each to its next in line.
    fewer = urls[:2]
    for roadshow, home in homes.items():
        if home != urls[2]:
            assert ranking(fewer, roadshow)[0] == home
        else:
            assert ranking(fewer, roadshow)[0] == ranking(urls, roadshow)[1]


# -- two real Janus instances ------------------------------------------------------------


@dataclass
class Pair:
    servers: list[JanusServer]

    @property
    def url(self) -> str:
        return ",".join(s.url for s in self.servers)

    def by_url(self, url: str) -> JanusServer:
        return next(s for s in self.servers if s.url == url)


@pytest.fixture
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    api_secret, admin_key = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    with (
        running_janus(
            tmp_path_factory.mktemp("janus-a"), api_secret=api_secret, admin_key=admin_key
        ) as a,
        running_janus(
            tmp_path_factory.mktemp("janus-b"), api_secret=api_secret, admin_key=admin_key
        ) as b,
    ):
        yield Pair([a, b])


@pytest.fixture
def settings(tmp_path: Path, pair: Pair) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        deals_rates=RATES,
        stage_janus_url=pair.url,
        stage_janus_capacity=2,
        janus_api_secret=pair.servers[0].api_secret,
        janus_admin_key=pair.servers[0].admin_key,
    )


@pytest.fixture
async def stage(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> AsyncIterator[Stage]:
    roadshow, products = add_roadshow(settings.database_url)
    server: TestServer = await aiohttp_server(create_app(settings))
    state = Stage(server, published_fair[0], published_fair[1], "")
    state.roadshow, state.products = roadshow, products
    yield state
    for peer in state.peers:
        await peer.client.disconnect()


@pytest.fixture
async def media_peers() -> AsyncIterator[list[MediaPeer]]:
    peers: list[MediaPeer] = []
    yield peers
    for peer in peers:
        await peer.close()


async def room_on(server: JanusServer, roadshow: int) -> bool:
    """Whether `server` holds the roadshow's room (asked as an outsider with the API
    secret: `exists` needs no room secret)."""
    client = Janus(server.url, server.api_secret)
    try:
        session = await client.session()
        handle = await session.attach()
        found = bool((await handle.request({"request": "exists", "room": roadshow}))["exists"])
        await session.destroy()
        return found
    finally:
        await client.close()


async def test_a_stage_goes_on_the_instance_its_roadshow_hashes_to(
    stage: Stage, pair: Pair, media_peers: list[MediaPeer]
) -> None:
    home, other = ranking(tuple(s.url for s in pair.servers), stage.roadshow)
    await go_live(stage, media_peers)
    assert await room_on(pair.by_url(home), stage.roadshow)
    assert not await room_on(pair.by_url(other), stage.roadshow)
    await watch(stage, "de1", media_peers)


def add_second_roadshow(url: str) -> int:
    """kr1 presents on the Korea stage on day 2 at 9:00 (before kr2's roadshow)."""
    engine = open_database(url)
    with session_scope(engine) as session:
        pavilion = session.exec(select(Pavilion).where(Pavilion.key == "KR")).one()
        show = rs.schedule_roadshow(
            session,
            pavilion.fair_id,
            rs.RoadshowInput(
                presenter="kr1",
                pavilion=str(pavilion.id),
                title="Second stage",
                day="2",
                start="09:00",
                minutes="30",
            ),
        )
        assert show.id is not None
        found = show.id
    engine.dispose()
    return found


@pytest.mark.parametrize("apart", [True, False], ids=["two-instances", "one-instance"])
async def test_the_capacity_is_each_instances(
    stage: Stage,
    settings: Settings,
    pair: Pair,
    published_fair: tuple[int, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    apart: bool,
) -> None:
    """Capacity 2 per instance: two stages on different instances admit two viewers
    each; on the same instance they share its two places and the third is told `full`.
    (The placement is fixed here; the hashing is tested above.)"""
    second = add_second_roadshow(settings.database_url)
    a, b = (s.url for s in pair.servers)
    place = {stage.roadshow: [a, b], second: [b, a] if apart else [a, b]}
    monkeypatch.setattr(stage_media, "ranking", lambda urls, roadshow: place[roadshow])
    for who in ("de1", "cn1"):
        _, ack = await stage.join(who)
        assert ack["ok"], ack
    _, ack = await stage.join("int1", second)
    if apart:
        assert ack["ok"], ack
        _, ack = await stage.join("kr2", second)  # kr2 presents the first stage only
        assert ack["ok"], ack
    else:
        assert ack["ok"] is False and ack["error"]["code"] == "full"
        assert "media server carries 2 viewers" in ack["error"]["message"]


async def test_when_the_stages_instance_dies_publishing_again_moves_it_to_the_next(
    stage: Stage, pair: Pair, media_peers: list[MediaPeer]
) -> None:
    """The instance carrying the stage is killed: the presenter is told `media:hangup`
    (their page publishes again), the next publish makes the room on the other
    instance, viewers get `media:feeds` and watch there."""
    home, other = ranking(tuple(s.url for s in pair.servers), stage.roadshow)
    presenter, _ = await go_live(stage, media_peers)
    viewer, _ = await watch(stage, "de1", media_peers)
    os.kill(pair.by_url(home).pid, signal.SIGKILL)
    await eventually(lambda: bool(presenter.got("media:hangup")), timeout=30)
    await eventually(lambda: bool(viewer.got("media:hangup")), timeout=5)
    sender = MediaPeer()
    media_peers.append(sender)
    before = len(viewer.got("media:feeds"))
    ack = await call(presenter, "publish", {"description": await sender.offer()})
    assert ack["ok"], ack
    await sender.accept(ack["description"])
    await eventually(lambda: sender.pc.connectionState == "connected", timeout=10)
    assert await room_on(pair.by_url(other), stage.roadshow)
    await eventually(lambda: len(viewer.got("media:feeds")) > before)
    ack = await call(viewer, "watch")
    assert ack["ok"] and ack["description"]["type"] == "offer", ack
    receiver = MediaPeer()
    media_peers.append(receiver)
    answer = await receiver.answer(ack["description"])
    assert (await call(viewer, "answer", {"description": answer}))["ok"]
    await eventually(lambda: receiver.frames >= 5, timeout=15)


async def test_with_every_instance_down_going_live_is_refused(
    aiohttp_server: Any,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
) -> None:
    from tests.janus import free_tcp_port

    urls = ",".join(f"http://127.0.0.1:{free_tcp_port()}/janus" for _ in range(2))
    down = replace(settings, stage_janus_url=urls)
    roadshow, _ = add_roadshow(down.database_url)
    server: TestServer = await aiohttp_server(create_app(down))
    state = Stage(server, published_fair[0], published_fair[1], "")
    state.roadshow = roadshow
    presenter, _ = await state.join("kr2")
    ack = await call(presenter, "start")
    assert ack == {
        "ok": False,
        "error": {"code": "media", "message": "the media server is unavailable; try again"},
    }
    for peer in state.peers:
        await peer.client.disconnect()


async def test_an_unreachable_instance_is_skipped_for_ten_seconds_then_tried_again(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process holds an instance it could not reach for down `DOWN_SECONDS` (10):
    new rooms go to the next of their order meanwhile, and back to the first after."""
    server = pair.servers[0]
    media = StageMedia(MediaServer(pair.url, server.api_secret, server.admin_key, 5, "x"))
    roadshow = 7
    home, other = ranking(tuple(s.url for s in pair.servers), roadshow)
    try:
        assert stage_media.DOWN_SECONDS == 10.0
        media.mark_down(media.instances[home])
        assert media.home(roadshow) == other
        assert (await media.open_room(roadshow, "t")).url == other
        assert await room_on(pair.by_url(other), roadshow)
        clock = time.monotonic() + 10.1
        monkeypatch.setattr(stage_media, "_clock", lambda: clock)
        assert media.home(roadshow) == home
        assert (await media.open_room(roadshow, "t")).url == home
        assert await room_on(pair.by_url(home), roadshow)
        # Ending the roadshow destroys its room wherever it is.
        await media.close_room(roadshow)
        assert not await room_on(pair.by_url(home), roadshow)
        assert not await room_on(pair.by_url(other), roadshow)
    finally:
        await media.close()


async def test_a_refused_connection_holds_the_instance_for_down() -> None:
    from tests.janus import free_tcp_port

    urls = ",".join(f"http://127.0.0.1:{free_tcp_port()}/janus" for _ in range(2))
    media = StageMedia(MediaServer(urls, "s", "k", 5, "x"))
    try:
        with pytest.raises(JanusError) as refused:
            await media.open_room(3, "t")
        assert refused.value.reason == "no media server is reachable"
        assert all(i.down for i in media.instances.values())
        # With nowhere else to go, each is tried again at once (in the roadshow's order).
        assert media.home(3) == ranking(tuple(media.instances), 3)[0]
        held = {url: i.down_until for url, i in media.instances.items()}
        await asyncio.sleep(0.01)
        with pytest.raises(JanusError):
            await media.open_room(3, "t")
        assert all(i.down_until > held[url] for url, i in media.instances.items())
    finally:
        await media.close()
