"""A roadshow's replay on the pages (web/replays.py): the file for the fair's members only
(with HTTP Range), orders from the replay by the live stage's rules, the exhibitor's
answer, the organiser's delete, and the honest "not recorded" without a media server.

The replay's file here is a WebM that ffmpeg makes from a test picture (the recording
and conversion through Janus are tests/realtime/test_replays_janus.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from fair import replays as rp
from fair.db import make_engine, open_database, session_scope
from fair.loader import import_files
from fair.models import (
    OrderStatus,
    Participant,
    Replay,
    ReplayStatus,
    Roadshow,
    RoadshowStatus,
    StageOrder,
    TokenKind,
)
from fair.settings import Settings
from fair.tokens import issue_token
from tests.factories import FAIR_TOML, fair_files
from tests.realtime.conftest import eventually
from tests.realtime.test_roadshow_stage import add_roadshow
from tests.web.conftest import Site
from web import sessions
from web.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
        stage_recordings_dir=str(tmp_path / "recordings"),
    )


def make_webm(path: Path, seconds: int = 3) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed; ./dev test installs it")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15"),
            *("-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds)),
            *("-c:v", "libvpx", "-c:a", "libopus", str(path)),
        ],
        check=True,
    )


def ended_roadshow(settings: Settings, replay: bool = True) -> tuple[int, list[int], str]:
    """kr2's roadshow, ended; with `replay` a ready replay of it. Returns its id, its
    products and the replay's key ("" without)."""
    roadshow, products = add_roadshow(settings.database_url)
    engine = open_database(settings.database_url)
    key = ""
    with session_scope(engine) as session:
        show = session.get(Roadshow, roadshow)
        assert show is not None
        show.status = RoadshowStatus.ENDED
        session.add(show)
        if replay:
            row = Replay(fair_id=show.fair_id, roadshow_id=roadshow, key="k" * 24)
            key = row.key
            name = f"roadshow-{roadshow}/replay-{key}.webm"
            make_webm(Path(settings.stage_recordings_dir) / name)
            row.file = name
            row.status = ReplayStatus.READY
            row.duration_seconds = 3.0
            row.size_bytes = (Path(settings.stage_recordings_dir) / name).stat().st_size
            session.add(row)
    engine.dispose()
    return roadshow, products, key


async def cookie(site: Site, who: str, token: str = "") -> str:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        base = str(site.client.make_url("")).rstrip("/")
        if who == "organiser":
            from tests.web.conftest import ORGANISER

            r = await http.post(
                f"{base}/login",
                data={"email": ORGANISER[0], "password": ORGANISER[1]},
                allow_redirects=False,
            )
        else:
            r = await http.get(f"{base}/p/{token or site.tokens[who]}", allow_redirects=False)
        assert r.status == 302
        return r.cookies["fair_session"].value


async def get(
    site: Site, path: str, who: str = "", token: str = "", **headers: str
) -> tuple[int, bytes, dict[str, str]]:
    if who:
        headers["Cookie"] = f"fair_session={await cookie(site, who, token)}"
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.get(str(site.client.make_url(path)), headers=headers) as response,
    ):
        return response.status, await response.read(), dict(response.headers)


def stranger_token(settings: Settings) -> str:
    """A live link of a participant of another fair in the same database."""
    engine = open_database(settings.database_url)
    other_toml = FAIR_TOML.replace("Qingdao–Busan Test Fair", "Another Fair")
    other_fair = import_files(engine, fair_files(toml=other_toml)).fair_id
    with session_scope(engine) as session:
        stranger = session.exec(
            select(Participant).where(Participant.fair_id == other_fair, Participant.key == "de1")
        ).one()
        token = issue_token(session, stranger, TokenKind.MAGIC)
    engine.dispose()
    return token


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page) or re.search(
        r'data-csrf="([^"]+)"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


async def test_replay_is_served_to_the_fairs_members_only_with_range(
    site: Site, settings: Settings
) -> None:
    _, _, key = ended_roadshow(settings)
    url = f"/fair/{site.fair_id}/replays/{key}.webm"
    status, body, headers = await get(site, url, "de1")
    assert status == 200 and headers["Content-Type"] == "video/webm"
    assert body[:4] == b"\x1a\x45\xdf\xa3" and headers["Accept-Ranges"] == "bytes"
    assert "private" in headers["Cache-Control"]
    status, part, headers = await get(site, url, "de1", Range="bytes=10-19")
    assert status == 206 and part == body[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert (await get(site, url, "organiser"))[0] == 200
    assert (await get(site, url))[0] == 401  # signed out: no redirect for a video
    assert (await get(site, url, "de1", stranger_token(settings)))[0] == 404
    # Another fair's address for it, a malformed or unknown key: nothing.
    assert (await get(site, f"/fair/{site.fair_id + 1}/replays/{key}.webm", "de1"))[0] == 404
    assert (await get(site, f"/fair/{site.fair_id}/replays/{'x' * 24}.webm", "de1"))[0] == 404
    assert (await get(site, f"/fair/{site.fair_id}/replays/..%2F..%2Ffair.webm", "de1"))[0] == 404


async def test_replay_file_outside_the_recordings_directory_is_not_served(
    site: Site, settings: Settings
) -> None:
    _, _, key = ended_roadshow(settings)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        row = session.exec(select(Replay).where(Replay.key == key)).one()
        row.file = "../fair.sqlite"
        session.add(row)
    engine.dispose()
    assert (await get(site, f"/fair/{site.fair_id}/replays/{key}.webm", "de1"))[0] == 404


async def test_booth_and_programme_pages_show_the_replay_with_products_and_order_button(
    site: Site, settings: Settings
) -> None:
    roadshow, _, key = ended_roadshow(settings)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        show = session.get(Roadshow, roadshow)
        assert show is not None
        company = show.company_id
    engine.dispose()
    video = f"/fair/{site.fair_id}/replays/{key}.webm"
    for path in (f"/fair/{site.fair_id}/companies/{company}", f"/fair/{site.fair_id}/programme"):
        _, page, _ = await get(site, path, "de1")
        text = page.decode()
        assert f'src="{video}"' in text and 'class="replay-video"' in text, path
        assert "냉동 고등어" in text and "replay-order-form" in text, path
        assert "replay.js" in text
        # Visitors without a session see that there is one, not the player.
        _, page, _ = await get(site, path)
        text = page.decode()
        assert video not in text and "replay-members" in text, path
    # The stage page, after the end, leads to it.
    _, page, _ = await get(site, f"/fair/{site.fair_id}/roadshows/{roadshow}", "de1")
    assert f'/companies/{company}#replay-{key}"' in page.decode()
    # The exhibitor's own people see the orders to confirm, not the order button.
    _, page, _ = await get(site, f"/fair/{site.fair_id}/companies/{company}", "kr1")
    assert "replay-order-form" not in page.decode() and "Orders to confirm" in page.decode()


async def test_order_from_the_replay_counts_once_and_the_exhibitor_confirms(
    site: Site, settings: Settings
) -> None:
    roadshow, products, key = ended_roadshow(settings)
    await site.sign_in_participant("de1")
    page = await (await site.client.get(f"/fair/{site.fair_id}/programme")).text()
    headers = {"X-CSRF-Token": csrf_of(page), "Accept": "application/json"}
    url = f"/fair/{site.fair_id}/replays/{key}/orders"
    order = {"product": products[0], "quantity": 40, "client_key": "replay-order-0001"}
    first = await site.client.post(url, json=order, headers=headers)
    assert first.status == 201, await first.text()
    placed = (await first.json())["order"]
    assert placed["amount"] == "100.00" and placed["status"] == "pending"
    again = await site.client.post(url, json=order, headers=headers)
    assert again.status == 200 and (await again.json())["duplicate"] is True
    bad = await site.client.post(url, json={**order, "client_key": "x"}, headers=headers)
    assert bad.status == 400 and "client_key" in (await bad.json())["error"]["message"]
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        rows = list(session.exec(select(StageOrder)))
    assert [(r.roadshow_id, r.quantity) for r in rows] == [(roadshow, 40)]

    # The presenting company's people do not order, and confirm it from the booth page.
    booth_url = f"/fair/{site.fair_id}/companies/{rows[0].seller_id}"
    await site.sign_in_participant("kr1")
    booth = await (await site.client.get(booth_url)).text()
    assert "replay-order-form" not in booth
    kr_headers = {"X-CSRF-Token": csrf_of(booth), "Accept": "application/json"}
    own = {**order, "client_key": "replay-order-0002"}
    assert (await site.client.post(url, json=own, headers=kr_headers)).status == 403
    decided = await site.client.post(
        f"/fair/{site.fair_id}/replays/{key}/orders/{placed['id']}",
        data={"csrf": csrf_of(booth), "decision": "confirm"},
        allow_redirects=False,
    )
    assert decided.status == 302 and decided.headers["Location"].endswith(f"#replay-{key}")
    with Session(engine) as session:
        stored = session.get(StageOrder, placed["id"])
        assert stored is not None and stored.status == OrderStatus.CONFIRMED
    engine.dispose()
    booth = await (await site.client.get(booth_url)).text()
    assert "confirmed" in booth


async def test_no_order_from_a_roadshow_without_a_ready_replay(
    site: Site, settings: Settings
) -> None:
    _, products, key = ended_roadshow(settings)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        row = session.exec(select(Replay).where(Replay.key == key)).one()
        row.status = ReplayStatus.CONVERTING
        session.add(row)
    engine.dispose()
    await site.sign_in_participant("de1")
    page = await (await site.client.get(f"/fair/{site.fair_id}/programme")).text()
    assert "replay-converting" in page
    headers = {"X-CSRF-Token": csrf_of(page), "Accept": "application/json"}
    order = {"product": products[0], "quantity": 40, "client_key": "replay-order-0003"}
    refused = await site.client.post(
        f"/fair/{site.fair_id}/replays/{key}/orders", json=order, headers=headers
    )
    assert refused.status == 409 and "no replay" in (await refused.json())["error"]["message"]


async def test_organiser_deletes_a_replay_and_its_recordings(
    site: Site, settings: Settings
) -> None:
    roadshow, _, key = ended_roadshow(settings)
    folder = rp.roadshow_dir(settings.stage_recordings_dir, roadshow)
    assert folder.is_dir()
    for who, status in (("kr1", 403), ("organiser", 302)):
        jar = await cookie(site, who)
        csrf = sessions.decode(settings.secret_key, jar)["csrf"]
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
            http.post(
                str(site.client.make_url(f"/organiser/replays/{key}/delete")),
                data={"csrf": csrf},
                headers={"Cookie": f"fair_session={jar}"},
                allow_redirects=False,
            ) as deleted,
        ):
            assert deleted.status == status, who
            assert folder.exists() == (who != "organiser")
    assert "done=replay_deleted" in deleted.headers["Location"]
    assert not folder.exists()
    assert (await get(site, f"/fair/{site.fair_id}/replays/{key}.webm", "de1"))[0] == 404
    _, page, _ = await get(site, f"/fair/{site.fair_id}/programme?done=replay_deleted", "de1")
    assert "The replay was deleted." in page.decode() and key not in page.decode()


async def test_peer_to_peer_stage_says_there_is_no_recording(
    site: Site, settings: Settings
) -> None:
    roadshow = ended_roadshow(settings, replay=False)[0]
    for path in ("programme", f"roadshows/{roadshow}"):
        _, page, _ = await get(site, f"/fair/{site.fair_id}/{path}", "de1")
        assert "without a media server, so nothing is recorded" in page.decode(), path
        assert "replay-video" not in page.decode()


async def test_recordings_left_waiting_are_converted_when_a_process_starts(
    aiohttp_client: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> None:
    """A process starting sweeps at once: here the recording is not Janus's, so the
    replay fails, with the reason for the organiser only."""
    if shutil.which("janus-pp-rec") is None:
        pytest.skip("janus-pp-rec (janus-tools) is not installed")
    roadshow, _, _ = ended_roadshow(settings, replay=False)
    folder = rp.roadshow_dir(settings.stage_recordings_dir, roadshow)
    folder.mkdir(parents=True)
    for name in ("host-1-audio-0.mjr", "host-1-video-1.mjr"):
        (folder / name).write_bytes(b"not a recording" * 10)
    # With a media server configured (never reached here: nobody goes live).
    janus = replace(settings, stage_janus_url="http://127.0.0.1:9/janus")
    client = await aiohttp_client(create_app(janus))
    site = Site(client=client, tokens=published_fair[1], fair_id=published_fair[0])
    engine = make_engine(settings.database_url)

    def stored() -> Replay | None:
        with Session(engine) as session:
            return session.exec(select(Replay)).first()

    await eventually(lambda: (r := stored()) is not None and r.status != "converting", 30)
    replay = stored()
    engine.dispose()
    assert replay is not None and replay.status == ReplayStatus.FAILED
    assert replay.reason.startswith("janus-pp-rec: ")
    _, page, _ = await get(site, f"/fair/{site.fair_id}/programme", "de1")
    assert "could not be turned into a replay" in page.decode()
    assert replay.reason not in page.decode()
    _, page, _ = await get(site, f"/fair/{site.fair_id}/programme", "organiser")
    assert replay.reason in page.decode()


async def test_orders_from_replays_are_limited_per_participant_like_live_ones(
    site: Site, settings: Settings
) -> None:
    _, products, key = ended_roadshow(settings)
    await site.sign_in_participant("de1")
    page = await (await site.client.get(f"/fair/{site.fair_id}/programme")).text()
    headers = {"X-CSRF-Token": csrf_of(page), "Accept": "application/json"}
    url = f"/fair/{site.fair_id}/replays/{key}/orders"
    statuses = []
    for n in range(31):
        order = {"product": products[0], "quantity": 1, "client_key": f"replay-flood-{n:04d}"}
        statuses.append((await site.client.post(url, json=order, headers=headers)).status)
    assert statuses == [201] * 30 + [429]
