"""End to end in real Chromium: an exhibitor goes live on a pavilion's stage, a buyer
opens the programme, joins the roadshow, receives the video, asks a question, registers
purchase interest in a shown product and attends; the organiser's dashboard counts it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.realtime.test_roadshow_stage import add_roadshow
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> tuple[TestServer, int, list[int]]:
    roadshow, products = add_roadshow(settings.database_url)
    result: TestServer = await aiohttp_server(create_app(settings))
    return result, roadshow, products


async def signed_in(browser: Any, server: TestServer, token: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(str(server.make_url(f"/p/{token}")))
    await page.wait_for_url("**/me")
    return page


async def test_browser_viewer_joins_a_roadshow_and_registers_interest(
    loopback_browser: Any,
    server: tuple[TestServer, int, list[int]],
    published_fair: tuple[int, dict[str, str]],
) -> None:
    site, roadshow, products = server
    fair_id, tokens = published_fair
    stage_path = f"/fair/{fair_id}/roadshows/{roadshow}"

    presenter = await signed_in(loopback_browser, site, tokens["kr2"])
    await presenter.goto(str(site.make_url(stage_path)))
    await presenter.wait_for_selector("#stage[data-joined='yes']")
    await presenter.click("#btn-start")
    await presenter.wait_for_selector("#stage[data-status='live']")

    viewer = await signed_in(loopback_browser, site, tokens["de1"])
    await viewer.goto(str(site.make_url(f"/fair/{fair_id}/programme")))
    await viewer.click("a.programme-title")
    await viewer.wait_for_url(f"**{stage_path}")
    await viewer.wait_for_selector("#stage[data-joined='yes']")
    # The presenter's fake camera reaches the viewer over its own peer connection.
    await viewer.wait_for_selector("#stage[data-connection='connected']", timeout=20000)
    await presenter.wait_for_selector("#stage[data-peers='1']")
    assert await presenter.locator("#audience").inner_text() == "1"
    playing = await viewer.evaluate(
        "() => { const v = document.getElementById('stage-video');"
        " return !!v.srcObject && v.srcObject.getVideoTracks().length > 0; }"
    )
    assert playing
    # The viewer came by a link but has not touched this page: the stage plays muted,
    # with a button that turns the sound on, as through the media server.
    await viewer.wait_for_function(
        "() => { const v = document.getElementById('stage-video'); return !v.paused && v.muted; }",
        timeout=20000,
    )
    assert await viewer.is_visible("#btn-sound")
    await viewer.click("#btn-sound")
    assert await viewer.evaluate("() => !document.getElementById('stage-video').muted")
    assert not await viewer.is_visible("#btn-sound")

    await viewer.fill("#question-text", "Mindestbestellmenge für Hamburg?")
    await viewer.press("#question-text", "Enter")
    await presenter.wait_for_selector("#questions li:has-text('Mindestbestellmenge für Hamburg?')")

    form = f".interest-form[data-product='{products[1]}']"
    await viewer.fill(f"{form} input[name=quantity]", "500")
    await viewer.click(f"{form} button")
    await viewer.wait_for_selector(f"{form}[data-registered='yes']")
    await presenter.wait_for_selector(f"#count-{products[1]}:has-text('1')")

    await viewer.click("#btn-attend")
    await viewer.wait_for_selector("#attend-form[data-attending='yes']")
    await viewer.wait_for_selector("#btn-unattend:visible")
    # Attending did not reload the page: the video kept playing.
    assert await viewer.get_attribute("#stage", "data-connection") == "connected"
    calendar = await viewer.evaluate("() => fetch('/me/agenda.ics').then(r => r.text())")
    assert "SUMMARY:Roadshow: 조미김 신제품 런칭" in calendar
    if SHOTS.is_dir():
        await viewer.screenshot(path=str(SHOTS / "roadshow.png"))

    context = await loopback_browser.new_context()
    board = await context.new_page()
    await board.goto(str(site.make_url("/login")))
    await board.fill("input[name=email]", ORGANISER[0])
    await board.fill("input[name=password]", ORGANISER[1])
    await board.click("button.primary")
    await board.wait_for_url("**/organiser")
    await board.goto(str(site.make_url("/organiser/dashboard")))
    await board.wait_for_selector("#dashboard[data-live='yes']")
    await board.wait_for_selector("#ls-interests:has-text('1')")
    assert "조미김" in await board.locator("#ls-rows").inner_text()

    assert presenter.errors == [] and viewer.errors == []
    # Close the sockets before the server stops, so its shutdown does not wait for them.
    for page in (presenter, viewer, board):
        await page.context.close()
