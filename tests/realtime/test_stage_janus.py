"""The stage through a real Janus (tests/janus.py starts one): the presenter publishes
once, viewers subscribe through Janus, and Janus itself refuses anyone the app did not
admit (issue 20, item 1). The media clients are aiortc peers: real WebRTC, DTLS and
SRTP with Janus, frames counted at the viewer."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack, VideoStreamTrack

from fair.settings import Settings
from realtime.janus import Janus, JanusError, JanusHandle, JanusSession
from tests.janus import JanusServer, running_janus
from tests.realtime.conftest import RATES, eventually
from tests.realtime.test_roadshow_stage import Stage, add_roadshow, call
from tests.realtime.test_session_end import organiser_post
from web.app import create_app

pytestmark = pytest.mark.integration
UNAUTHORIZED = 433


@pytest.fixture
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusServer]:
    with running_janus(tmp_path_factory.mktemp("janus")) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, janus: JanusServer) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        deals_rates=RATES,
        stage_janus_url=janus.url,
        stage_janus_capacity=3,
        janus_api_secret=janus.api_secret,
        janus_admin_key=janus.admin_key,
        stage_recordings_dir=str(tmp_path / "recordings"),
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
async def outsider(janus: JanusServer) -> AsyncIterator[tuple[JanusSession, JanusHandle]]:
    """A Janus session of our own, as someone knocking on Janus directly (we even grant
    them the API secret, so it is the room's rules that are tested)."""
    client = Janus(janus.url, janus.api_secret)
    session = await client.session()
    handle = await session.attach()
    yield session, handle
    await session.destroy()
    await client.close()


class MediaPeer:
    """An aiortc peer: a presenter sending synthetic video, or a viewer counting frames."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection()
        self.frames = 0
        self._readers: list[asyncio.Task[None]] = []

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._readers.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self.frames += 1
        except Exception:
            return

    async def offer(self) -> dict[str, str]:
        self.pc.addTrack(VideoStreamTrack())
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"type": "offer", "sdp": self.pc.localDescription.sdp}

    async def accept(self, description: dict[str, str]) -> None:
        await self.pc.setRemoteDescription(
            RTCSessionDescription(description["sdp"], description["type"])
        )

    async def answer(self, offer: dict[str, str]) -> dict[str, str]:
        await self.accept(offer)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return {"type": "answer", "sdp": self.pc.localDescription.sdp}

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await self.pc.close()


@pytest.fixture
async def media_peers() -> AsyncIterator[list[MediaPeer]]:
    peers: list[MediaPeer] = []
    yield peers
    for peer in peers:
        await peer.close()


async def go_live(stage: Stage, peers: list[MediaPeer]) -> tuple[Any, MediaPeer]:
    presenter, ack = await stage.join("kr2")
    assert ack["ok"] and ack["media"] == "janus"
    assert (await call(presenter, "start"))["ok"]
    sender = MediaPeer()
    peers.append(sender)
    ack = await call(presenter, "publish", {"description": await sender.offer()})
    assert ack["ok"], ack
    await sender.accept(ack["description"])
    await eventually(lambda: sender.pc.connectionState == "connected", timeout=10)
    return presenter, sender


async def watch(stage: Stage, who: str, peers: list[MediaPeer]) -> tuple[Any, MediaPeer]:
    viewer, ack = await stage.join(who)
    assert ack["ok"] and ack["media"] == "janus"
    ack = await call(viewer, "watch")
    assert ack["ok"] and ack["description"]["type"] == "offer", ack
    assert [f["name"] for f in ack["feeds"]] == ["이서연"]
    receiver = MediaPeer()
    peers.append(receiver)
    answer = await receiver.answer(ack["description"])
    assert (await call(viewer, "answer", {"description": answer}))["ok"]
    await eventually(lambda: receiver.frames >= 5, timeout=15)
    return viewer, receiver


def pin_of(settings: Settings, roadshow: int) -> str:
    """The room's pin as the app derives it: we grant the outsider even that."""
    from realtime.janus import MediaServer
    from realtime.stage_media import StageMedia

    media = StageMedia(MediaServer(settings.stage_janus_url, "", "", 1, settings.secret_key))
    return media.room_pin(roadshow)


async def test_presenter_publishes_once_and_viewers_receive_through_janus(
    stage: Stage, media_peers: list[MediaPeer]
) -> None:
    await go_live(stage, media_peers)
    _, first = await watch(stage, "de1", media_peers)
    _, second = await watch(stage, "cn1", media_peers)
    assert first.pc.connectionState == second.pc.connectionState == "connected"
    # The presenter's browser holds one connection, to Janus, whatever the audience.
    assert len(media_peers[0].pc.getTransceivers()) == 1


async def test_janus_refuses_a_participant_without_a_valid_token(
    stage: Stage,
    settings: Settings,
    media_peers: list[MediaPeer],
    outsider: tuple[JanusSession, JanusHandle],
) -> None:
    await go_live(stage, media_peers)
    _, handle = outsider
    pin = pin_of(settings, stage.roadshow)
    for token in (None, "", secrets.token_urlsafe(24)):
        body: dict[str, Any] = {"request": "join", "ptype": "publisher", "room": stage.roadshow}
        body["pin"] = pin
        if token is not None:
            body["token"] = token
        with pytest.raises(JanusError) as refused:
            await handle.message(body)
        assert refused.value.code == UNAUTHORIZED, refused.value


async def test_janus_refuses_a_subscription_without_an_admitted_viewer(
    stage: Stage,
    settings: Settings,
    media_peers: list[MediaPeer],
    outsider: tuple[JanusSession, JanusHandle],
) -> None:
    await go_live(stage, media_peers)
    session, admin = outsider
    feeds = await admin.request({"request": "listparticipants", "room": stage.roadshow})
    feed = next(p["id"] for p in feeds["participants"] if p["publisher"])
    pin = pin_of(settings, stage.roadshow)
    for extra in ({}, {"private_id": secrets.randbelow(2**32)}):
        handle = await session.attach()
        body = {"request": "join", "ptype": "subscriber", "room": stage.roadshow, "pin": pin}
        with pytest.raises(JanusError) as refused:
            await handle.message({**body, "streams": [{"feed": feed}], **extra})
        assert refused.value.code == UNAUTHORIZED
    # Nor without the pin.
    handle = await session.attach()
    with pytest.raises(JanusError):
        await handle.message(
            {"request": "join", "ptype": "subscriber", "room": stage.roadshow, "feed": feed}
        )


async def test_a_revoked_viewer_is_dropped_from_janus(
    stage: Stage,
    media_peers: list[MediaPeer],
    outsider: tuple[JanusSession, JanusHandle],
) -> None:
    await go_live(stage, media_peers)
    viewer, receiver = await watch(stage, "de1", media_peers)
    _, admin = outsider
    listed = await admin.request({"request": "listparticipants", "room": stage.roadshow})
    assert len(listed["participants"]) == 2  # the presenter and the viewer
    assert await organiser_post(stage.base, "/organiser/participants/de1/revoke") == 302
    await eventually(lambda: not viewer.client.connected, timeout=3)

    async def gone() -> bool:
        found = await admin.request({"request": "listparticipants", "room": stage.roadshow})
        return [p["publisher"] for p in found["participants"]] == [True]

    for _ in range(30):
        if await gone():
            break
        await asyncio.sleep(0.1)
    assert await gone()
    # Its media stops: no frame arrives any more.
    await asyncio.sleep(1.0)
    frames = receiver.frames
    await asyncio.sleep(1.5)
    assert receiver.frames == frames


async def test_only_the_presenter_publishes(stage: Stage, media_peers: list[MediaPeer]) -> None:
    await go_live(stage, media_peers)
    viewer, _ = await stage.join("de1")
    intruder = MediaPeer()
    media_peers.append(intruder)
    ack = await call(viewer, "publish", {"description": await intruder.offer()})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


async def test_ending_destroys_the_room(
    stage: Stage,
    media_peers: list[MediaPeer],
    outsider: tuple[JanusSession, JanusHandle],
) -> None:
    presenter, _ = await go_live(stage, media_peers)
    _, admin = outsider
    assert (await admin.request({"request": "exists", "room": stage.roadshow}))["exists"]
    assert (await call(presenter, "stop"))["ok"]
    assert not (await admin.request({"request": "exists", "room": stage.roadshow}))["exists"]


async def test_watching_before_anything_is_published_offers_nothing(stage: Stage) -> None:
    presenter, _ = await stage.join("kr2")
    viewer, _ = await stage.join("de1")
    ack = await call(viewer, "watch")
    assert ack["ok"] is False and ack["error"]["code"] == "not_live"
    assert (await call(presenter, "start"))["ok"]
    ack = await call(viewer, "watch")
    assert ack == {"ok": True, "description": None, "feeds": []}
    # The peer-to-peer signalling is closed on a Janus stage.
    ack = await call(viewer, "ready")
    assert ack["ok"] is False and ack["error"]["code"] == "media"


async def test_the_media_servers_capacity_is_the_viewer_limit(
    stage: Stage, published_fair: tuple[int, dict[str, str]]
) -> None:
    """Capacity 3 (the settings above): the fourth viewer is refused with `full`, over
    the stages together; a viewer's second page takes no new place; a place freed is
    taken again (issue 20, item 5)."""
    _, tokens = published_fair
    viewers = [k for k in sorted(tokens) if k != "kr2"][:4]
    await stage.join("kr2")  # the presenter takes no place
    admitted = []
    for who in viewers[:3]:
        peer, ack = await stage.join(who)
        assert ack["ok"], ack
        admitted.append(peer)
    _, again = await stage.join(viewers[0])
    assert again["ok"]
    last, ack = await stage.join(viewers[3])
    assert ack["ok"] is False and ack["error"]["code"] == "full"
    assert "media server carries 3 viewers" in ack["error"]["message"]
    await admitted[1].client.disconnect()
    await asyncio.sleep(0.3)
    ack = await call(last, "join", {"roadshow": stage.roadshow})
    assert ack["ok"], ack


async def test_going_live_without_the_media_server_is_refused(
    aiohttp_server: Any,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
) -> None:
    """Janus down (nothing listens at its URL): going live is refused with `media`, and
    the roadshow stays scheduled (docs/deploy.md, when something dies)."""
    from dataclasses import replace

    from tests.janus import free_tcp_port

    down = replace(settings, stage_janus_url=f"http://127.0.0.1:{free_tcp_port()}/janus")
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
    _, ack = await state.join("de1")
    assert ack["roadshow"]["status"] == "scheduled"
    for peer in state.peers:
        await peer.client.disconnect()


async def test_publishing_again_recreates_a_lost_room(
    stage: Stage,
    settings: Settings,
    media_peers: list[MediaPeer],
    outsider: tuple[JanusSession, JanusHandle],
) -> None:
    """The room is gone from Janus (as after a restart of Janus): the presenter's next
    `publish` makes it again and viewers watch again."""
    presenter, _ = await go_live(stage, media_peers)
    _, admin = outsider
    from realtime.janus import MediaServer
    from realtime.stage_media import StageMedia

    secret = StageMedia(MediaServer("", "", "", 1, settings.secret_key)).room_secret(stage.roadshow)
    await admin.request({"request": "destroy", "room": stage.roadshow, "secret": secret})
    assert not (await admin.request({"request": "exists", "room": stage.roadshow}))["exists"]
    await presenter.client.disconnect()
    presenter, _ = await stage.join("kr2")
    sender = MediaPeer()
    media_peers.append(sender)
    ack = await call(presenter, "publish", {"description": await sender.offer()})
    assert ack["ok"], ack
    await sender.accept(ack["description"])
    assert (await admin.request({"request": "exists", "room": stage.roadshow}))["exists"]
    # Janus lists the feed as published once its media is up (a watch before that is
    # answered without an offer, and the page waits for `media:feeds`).
    await eventually(lambda: sender.pc.connectionState == "connected", timeout=10)
    await watch(stage, "de1", media_peers)


async def publish_as(stage: Stage, who: str, peers: list[MediaPeer]) -> Any:
    peer, ack = await stage.join(who)
    sender = MediaPeer()
    peers.append(sender)
    ack = await call(peer, "publish", {"description": await sender.offer()})
    assert ack["ok"], ack
    await sender.accept(ack["description"])
    await eventually(lambda: sender.pc.connectionState == "connected", timeout=10)
    return peer


async def test_invited_venues_publish_beside_the_host_and_the_host_arranges_the_screen(
    stage: Stage, media_peers: list[MediaPeer]
) -> None:
    """Issue 20, item 2: the host invites two venues by e-mail, both publish beside the
    host; a viewer receives the three feeds; the host takes one venue off screen and
    the viewer, told `media:feeds`, watches the two left."""
    presenter, _ = await go_live(stage, media_peers)
    viewer, _ = await stage.join("de1")
    ack = await call(presenter, "venue", {"email": "minjun@busan-marine.example", "label": "Seoul"})
    assert ack["ok"], ack
    ack = await call(presenter, "venue", {"email": "JIHYE@lang.example", "label": "Daegu"})
    assert [(v["label"], v["on_screen"]) for v in ack["venues"]] == [
        ("Seoul", True),
        ("Daegu", True),
    ]
    await eventually(lambda: bool(viewer.got("venues")))
    _, joined = await stage.join("kr1")
    assert joined["you"]["role"] == "venue"
    await publish_as(stage, "kr1", media_peers)
    await publish_as(stage, "int1", media_peers)

    ack = await call(viewer, "watch")
    assert sorted((f["role"], f["label"]) for f in ack["feeds"]) == [
        ("presenter", ""),
        ("venue", "Daegu"),
        ("venue", "Seoul"),
    ]
    assert all(f["mids"] for f in ack["feeds"])
    receiver = MediaPeer()
    media_peers.append(receiver)
    answer = await receiver.answer(ack["description"])
    assert (await call(viewer, "answer", {"description": answer}))["ok"]
    await eventually(lambda: receiver.frames >= 15, timeout=15)
    assert len(receiver.pc.getTransceivers()) == 3

    seoul = next(v for v in ack["feeds"] if v["label"] == "Seoul")
    kr1 = next(v["participant"] for v in joined["venues"] if v["label"] == "Seoul")
    before = len(viewer.got("media:feeds"))
    ack = await call(presenter, "screen", {"participant": kr1, "on": False})
    assert [(v["label"], v["on_screen"]) for v in ack["venues"]] == [
        ("Seoul", False),
        ("Daegu", True),
    ]
    await eventually(lambda: len(viewer.got("media:feeds")) > before)
    ack = await call(viewer, "watch")
    assert sorted(f["label"] for f in ack["feeds"]) == ["", "Daegu"]
    assert seoul["id"] not in [f["id"] for f in ack["feeds"]]


async def test_only_the_host_or_organiser_arranges_venues(
    stage: Stage, media_peers: list[MediaPeer], monkeypatch: pytest.MonkeyPatch
) -> None:
    presenter, _ = await go_live(stage, media_peers)
    viewer, _ = await stage.join("de1")
    ack = await call(viewer, "venue", {"email": "minjun@busan-marine.example", "label": "X"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    ack = await call(presenter, "venue", {"email": "nobody@nowhere.example", "label": "X"})
    assert ack["error"] == {
        "code": "invalid",
        "message": "email: no participant of this fair has this e-mail address",
    }
    ack = await call(presenter, "venue", {"email": "anna@hanse-feinkost.example", "label": ""})
    assert ack["error"]["code"] == "invalid" and ack["error"]["message"].startswith("label:")
    ack = await call(presenter, "screen", {"participant": 999999, "on": False})
    assert ack["error"]["code"] == "not_found"
    from fair import stage as st

    monkeypatch.setattr(st, "VENUES_MAX", 1)
    assert (await call(presenter, "venue", {"email": "jihye@lang.example", "label": "A"}))["ok"]
    ack = await call(presenter, "venue", {"email": "wangwei@hairun.example", "label": "B"})
    assert ack["error"] == {"code": "conflict", "message": "at most 1 venues beside the host"}
    # A participant who is not a venue still may not publish.
    intruder = MediaPeer()
    media_peers.append(intruder)
    ack = await call(viewer, "publish", {"description": await intruder.offer()})
    assert ack["error"]["code"] == "forbidden"
