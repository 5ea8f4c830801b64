"""End to end in real Chromium with fake media and a real Janus (tests/janus.py): the host
goes live from the stage page, ends the roadshow, and the recording becomes a replay that
plays on the exhibitor's booth page (the video element's time advances); a buyer orders
from it with the page's button, the exhibitor confirms on their booth page and the buyer
sees it confirmed (issue 20, item 4)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from fair.db import make_engine
from fair.models import OrderStatus, Replay, ReplayStatus, Roadshow, StageOrder
from fair.settings import Settings
from tests.e2e.test_roadshow_browser import SHOTS, signed_in
from tests.janus import JanusServer, running_janus
from tests.realtime.conftest import eventually
from tests.realtime.test_roadshow_stage import add_roadshow
from web.app import create_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusServer]:
    if shutil.which("ffmpeg") is None or shutil.which("janus-pp-rec") is None:
        pytest.skip("replays need janus-pp-rec (janus-tools) and ffmpeg; ./dev test installs them")
    with running_janus(tmp_path_factory.mktemp("janus")) as server:
        yield server


def replay_of(settings: Settings, roadshow: int) -> Replay | None:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        found = session.exec(select(Replay).where(Replay.roadshow_id == roadshow)).first()
    engine.dispose()
    return found


async def test_replay_plays_on_the_booth_page_and_its_order_is_confirmed(
    loopback_browser: Any,
    aiohttp_server: Any,
    settings: Settings,
    janus: JanusServer,
    published_fair: tuple[int, dict[str, str]],
    tmp_path: Path,
) -> None:
    settings = replace(
        settings,
        stage_janus_url=janus.url,
        janus_api_secret=janus.api_secret,
        janus_admin_key=janus.admin_key,
        stage_recordings_dir=str(tmp_path / "recordings"),
    )
    roadshow, products = add_roadshow(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        show = session.get(Roadshow, roadshow)
        assert show is not None
        company = show.company_id
    site: TestServer = await aiohttp_server(create_app(settings))
    fair_id, tokens = published_fair

    host = await signed_in(loopback_browser, site, tokens["kr2"])
    await host.goto(str(site.make_url(f"/fair/{fair_id}/roadshows/{roadshow}")))
    await host.wait_for_selector("#stage[data-joined='yes'][data-media='janus']")
    await host.click("#btn-start")
    await host.wait_for_selector("#stage[data-connection='connected']", timeout=20000)
    await host.wait_for_timeout(5000)  # five seconds of the fake camera on the stage
    await host.click("#btn-stop")
    await host.wait_for_selector("#stage[data-status='ended']")
    await eventually(
        lambda: (
            (r := replay_of(settings, roadshow)) is not None and r.status != ReplayStatus.CONVERTING
        ),
        timeout=60,
    )
    replay = replay_of(settings, roadshow)
    assert replay is not None and replay.status == ReplayStatus.READY, replay

    booth = str(site.make_url(f"/fair/{fair_id}/companies/{company}"))
    buyer = await signed_in(loopback_browser, site, tokens["de1"])
    await buyer.goto(booth)
    video = buyer.locator(f"#replay-{replay.key} video.replay-video")
    await video.scroll_into_view_if_needed()
    await buyer.evaluate(
        "(key) => { const v = document.querySelector(`#replay-${key} video`);"
        " v.muted = true; return v.play(); }",
        replay.key,
    )
    await buyer.wait_for_function(
        "(key) => { const v = document.querySelector(`#replay-${key} video`);"
        " return v.readyState >= 2 && v.currentTime > 1 && v.videoWidth > 0; }",
        arg=replay.key,
        timeout=20000,
    )
    # Seeking asks the server for a range of the file.
    await buyer.evaluate(
        "(key) => { document.querySelector(`#replay-${key} video`).currentTime = 0.5; }",
        replay.key,
    )
    form = buyer.locator(f"#replay-{replay.key} .replay-order-form[data-product='{products[0]}']")
    await form.locator("input[name=quantity]").fill("12")
    await form.locator("button").click()
    await form.locator(".replay-order-status[data-order]").wait_for(timeout=10000)
    assert "waiting for the exhibitor" in await form.locator(".replay-order-status").inner_text()
    # The buyer's own orders list it at once, as the exhibitor's answer is awaited.
    mine = buyer.locator(f"#replay-{replay.key} .replay-orders li.status-pending")
    assert "12 × 냉동 고등어" in await mine.inner_text()
    if SHOTS.is_dir():
        box = await buyer.locator("#replays").bounding_box()
        await buyer.evaluate("() => window.scrollTo(0, 0)")
        top = await buyer.evaluate("() => document.getElementById('replays').offsetTop")
        await buyer.screenshot(
            path=str(SHOTS / "replay.png"),
            full_page=True,
            clip={"x": 0, "y": top - 16, "width": 1280, "height": box["height"] + 32},
        )

    with Session(engine) as session:
        (order,) = session.exec(select(StageOrder)).all()
        assert (order.roadshow_id, order.quantity, order.status) == (
            roadshow,
            12,
            OrderStatus.PENDING,
        )
    seller = await signed_in(loopback_browser, site, tokens["kr1"])
    await seller.goto(booth)
    row = seller.locator(f"#replay-{replay.key} li[data-order='{order.id}']")
    await row.locator("button[value=confirm]").click()
    await seller.wait_for_url(f"**#replay-{replay.key}")
    await seller.locator(f"#replay-{replay.key} li.status-confirmed").wait_for()
    await buyer.reload()
    await buyer.locator(f"#replay-{replay.key} li.status-confirmed").wait_for()
    with Session(engine) as session:
        stored = session.get(StageOrder, order.id)
        assert stored is not None and stored.status == OrderStatus.CONFIRMED
    engine.dispose()
    assert host.errors == buyer.errors == seller.errors == []
    for page in (host, buyer, seller):
        await page.context.close()
