"""Replays through a real Janus (tests/janus.py starts one): the host's feed is recorded
while live, converted with janus-pp-rec and ffmpeg into one WebM after the end, stored as
a Replay row and served to the fair's members only, with HTTP Range (issue 20, item 4).
The presenter is an aiortc peer sending synthetic video and audio."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from sqlmodel import Session, select

from fair import replays as rp
from fair.db import make_engine, open_database, session_scope
from fair.models import Replay, ReplayStatus, Roadshow, RoadshowStatus
from fair.settings import Settings
from tests.janus import JanusServer, running_janus
from tests.realtime.conftest import RATES, eventually
from tests.realtime.test_roadshow_stage import Stage, add_roadshow, call
from tests.realtime.test_stage_janus import MediaPeer
from web import replays as web_replays
from web.app import create_app
from web.keys import SIO

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def no_timed_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's fair is in the past, so a roadshow left "live" is due at once: only
    the end of a stage (or the test) starts a conversion here, not the half-minute sweep."""
    monkeypatch.setattr(web_replays, "SWEEP_SECONDS", 3600.0)


@pytest.fixture
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusServer]:
    if shutil.which("ffmpeg") is None or shutil.which("janus-pp-rec") is None:
        pytest.skip("replays need janus-pp-rec (janus-tools) and ffmpeg; ./dev test installs them")
    with running_janus(tmp_path_factory.mktemp("janus")) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, janus: JanusServer) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        deals_rates=RATES,
        stage_janus_url=janus.url,
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
async def media_peers() -> AsyncIterator[list[MediaPeer]]:
    peers: list[MediaPeer] = []
    yield peers
    for peer in peers:
        await peer.close()


class Camera(MediaPeer):
    """A presenter sending a microphone (silence) and a camera (a synthetic picture)."""

    async def offer(self) -> dict[str, str]:
        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(VideoStreamTrack())
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"type": "offer", "sdp": self.pc.localDescription.sdp}


async def publish(stage: Stage, who: str, peers: list[MediaPeer]) -> Any:
    """`who` joins and publishes audio and video (the host goes live first)."""
    peer, ack = await stage.join(who)
    assert ack["ok"] and ack["media"] == "janus", ack
    if ack["you"]["role"] == "presenter":
        assert (await call(peer, "start"))["ok"]
    camera = Camera()
    peers.append(camera)
    answer = await call(peer, "publish", {"description": await camera.offer()})
    assert answer["ok"], answer
    await camera.accept(answer["description"])
    await eventually(lambda: camera.pc.connectionState == "connected", timeout=15)
    return peer


def replay_row(settings: Settings, roadshow: int) -> Replay | None:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        found = session.exec(select(Replay).where(Replay.roadshow_id == roadshow)).first()
    engine.dispose()
    return found


def probe(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-of", "json", str(path)),
            *("-show_entries", "format=duration,format_name:stream=codec_name"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


async def test_stage_is_recorded_and_converted_into_a_replay_after_the_end(
    stage: Stage, settings: Settings, media_peers: list[MediaPeer]
) -> None:
    presenter = await publish(stage, "kr2", media_peers)
    await asyncio.sleep(4)  # four seconds of the host on the stage
    assert (await call(presenter, "stop"))["ok"]
    # The end wakes the conversion: no waiting for the sweep.
    await eventually(
        lambda: (
            (r := replay_row(settings, stage.roadshow)) is not None
            and r.status != ReplayStatus.CONVERTING
        ),
        timeout=60,
    )
    replay = replay_row(settings, stage.roadshow)
    assert replay is not None and replay.status == ReplayStatus.READY, replay
    path = Path(settings.stage_recordings_dir, replay.file).resolve()
    assert path.parent == rp.roadshow_dir(settings.stage_recordings_dir, stage.roadshow)
    assert path.name == f"replay-{replay.key}.webm" and rp.KEY.fullmatch(replay.key)
    assert replay.size_bytes == path.stat().st_size > 1000
    found = probe(path)
    assert found["format"]["format_name"] == "matroska,webm"
    assert sorted(s["codec_name"] for s in found["streams"]) == ["opus", "vp8"]
    assert 2.0 <= float(found["format"]["duration"]) <= 30.0
    assert replay.duration_seconds == pytest.approx(float(found["format"]["duration"]), abs=0.01)

    # Served to a member of the fair, with Range; the file's first bytes are EBML's.
    base = str(stage.server.make_url("")).rstrip("/")
    url = f"{base}/fair/{stage.fair_id}/replays/{replay.key}.webm"
    async with aiohttp.ClientSession() as http:
        cookie = {"Cookie": f"fair_session={await stage.cookie('de1')}"}
        async with http.get(url, headers=cookie) as whole:
            assert whole.status == 200 and whole.headers["Content-Type"] == "video/webm"
            assert whole.headers["Accept-Ranges"] == "bytes"
            body = await whole.read()
        assert body[:4] == b"\x1a\x45\xdf\xa3" and len(body) == replay.size_bytes
        async with http.get(url, headers={**cookie, "Range": "bytes=100-199"}) as part:
            assert part.status == 206
            assert part.headers["Content-Range"] == f"bytes 100-199/{replay.size_bytes}"
            assert await part.read() == body[100:200]
        async with http.get(url) as signed_out:
            assert signed_out.status == 401


async def test_only_the_hosts_feed_is_recorded_not_the_venues(
    stage: Stage, settings: Settings, media_peers: list[MediaPeer]
) -> None:
    presenter = await publish(stage, "kr2", media_peers)
    invited = await call(
        presenter, "venue", {"email": "minjun@busan-marine.example", "label": "Seoul"}
    )
    assert invited["ok"], invited
    await publish(stage, "kr1", media_peers)
    await asyncio.sleep(2)
    folder = rp.roadshow_dir(settings.stage_recordings_dir, stage.roadshow)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2 and all(rp.TRACK.fullmatch(n) for n in names), names
    assert {n.rsplit("-", 2)[1] for n in names} == {"audio", "video"}


async def test_a_stage_whose_process_died_is_converted_after_its_end(
    stage: Stage, settings: Settings, media_peers: list[MediaPeer]
) -> None:
    """The server process dies while live: Janus drops its session and closes the
    recording; the roadshow stays "live" in the database. Once its end is `GRACE` past,
    the sweep converts it."""
    await publish(stage, "kr2", media_peers)
    await asyncio.sleep(3)
    # As the process's death does: its Janus session (and so its publisher) goes.
    namespace = stage.server.app[SIO].stage  # type: ignore[attr-defined]
    await namespace.media.close()
    for peer in media_peers:
        await peer.close()
    media_peers.clear()
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        show = session.get(Roadshow, stage.roadshow)
        assert show is not None and show.status == RoadshowStatus.LIVE
        end = show.end
    now = datetime.now(UTC)
    early = await asyncio.to_thread(
        rp.convert_due, engine, settings.stage_recordings_dir, min(end, now)
    )
    assert early == []  # still within its slot: it may be live
    late = end + rp.GRACE + timedelta(seconds=1)
    done = await asyncio.to_thread(rp.convert_due, engine, settings.stage_recordings_dir, late)
    engine.dispose()
    assert [r.status for r in done] == [ReplayStatus.READY], done
    assert done[0].duration_seconds is not None and done[0].duration_seconds >= 1.5


async def test_a_host_who_reloads_adds_a_part_and_the_replay_joins_both(
    stage: Stage, settings: Settings, media_peers: list[MediaPeer]
) -> None:
    first = await publish(stage, "kr2", media_peers)
    await asyncio.sleep(3)
    await first.client.disconnect()  # the host reloads the page...
    second = await publish(stage, "kr2", media_peers)  # ...and is on air again
    await asyncio.sleep(3)
    folder = rp.roadshow_dir(settings.stage_recordings_dir, stage.roadshow)
    parts = rp.segments(folder)
    assert len(parts) == 2 and all(p.audio and p.video for p in parts)
    assert (await call(second, "stop"))["ok"]
    await eventually(
        lambda: (
            (r := replay_row(settings, stage.roadshow)) is not None
            and r.status != ReplayStatus.CONVERTING
        ),
        timeout=60,
    )
    replay = replay_row(settings, stage.roadshow)
    assert replay is not None and replay.status == ReplayStatus.READY, replay
    found = probe(Path(settings.stage_recordings_dir, replay.file))
    assert sorted(s["codec_name"] for s in found["streams"]) == ["opus", "vp8"]
    # Both parts, one after the other (each about three seconds).
    assert 4.5 <= float(found["format"]["duration"]) <= 30.0
