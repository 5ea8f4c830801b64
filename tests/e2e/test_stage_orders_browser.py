"""End to end in real Chromium: on a live stage a buyer orders a shown product, the
exhibitor confirms it, the buyer sees it confirmed with "ordered in the last hour" moved,
and the organiser's dashboard total moves without a reload."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.e2e.test_roadshow_browser import SHOTS, server, signed_in
from tests.web.conftest import ORGANISER

pytestmark = pytest.mark.e2e
__all__ = ["server"]  # the fixture


async def test_browser_viewer_orders_exhibitor_confirms_dashboard_moves(
    loopback_browser: Any,
    server: tuple[TestServer, int, list[int]],
    published_fair: tuple[int, dict[str, str]],
) -> None:
    site, roadshow, products = server
    fair_id, tokens = published_fair
    stage_path = f"/fair/{fair_id}/roadshows/{roadshow}"

    context = await loopback_browser.new_context(viewport={"width": 1280, "height": 900})
    board = await context.new_page()
    await board.goto(str(site.make_url("/login")))
    await board.fill("input[name=email]", ORGANISER[0])
    await board.fill("input[name=password]", ORGANISER[1])
    await board.click("button.primary")
    await board.wait_for_url("**/organiser")
    await board.goto(str(site.make_url("/organiser/dashboard")))
    await board.wait_for_selector("#dashboard[data-live='yes']")
    assert await board.get_attribute("#orders-value", "data-value") == "0.00"
    await board.evaluate("() => { window.stillHere = true; }")

    presenter = await signed_in(loopback_browser, site, tokens["kr2"])
    await presenter.goto(str(site.make_url(stage_path)))
    await presenter.wait_for_selector("#stage[data-joined='yes']")
    await presenter.click("#btn-start")
    await presenter.wait_for_selector("#stage[data-status='live']")

    viewer = await signed_in(loopback_browser, site, tokens["de1"])
    await viewer.goto(str(site.make_url(stage_path)))
    await viewer.wait_for_selector("#stage[data-joined='yes'][data-status='live']")
    form = f".order-form[data-product='{products[1]}']"
    await viewer.fill(f"{form} input[name=quantity]", "40")
    await viewer.click(f"{form} button")
    await viewer.wait_for_selector("#orders li[data-status='pending']")
    await viewer.wait_for_selector("#orders-hour[data-value='100.00']")
    assert "조미김 × 40" in await viewer.locator("#orders").inner_text()

    await presenter.wait_for_selector("#orders li[data-status='pending'] .order-confirm")
    assert "Hanse Feinkost GmbH" in await presenter.locator("#orders").inner_text()
    await presenter.click("#orders li[data-status='pending'] .order-confirm")
    await presenter.wait_for_selector("#orders li[data-status='confirmed']")
    await viewer.wait_for_selector("#orders li[data-status='confirmed']")

    await board.wait_for_selector("#orders-confirmed-value[data-value='100.00']")
    assert await board.get_attribute("#orders-value", "data-value") == "100.00"
    assert "조미김" in await board.locator("#orders-rows").inner_text()
    assert await board.evaluate("() => window.stillHere === true")  # no reload

    if SHOTS.is_dir():
        await viewer.screenshot(path=str(SHOTS / "stage-orders.png"))
        await presenter.screenshot(path=str(SHOTS / "stage-orders-exhibitor.png"))
        await board.screenshot(path=str(SHOTS / "dashboard-orders.png"), full_page=True)
        await viewer.set_viewport_size({"width": 390, "height": 844})
        await viewer.screenshot(path=str(SHOTS / "stage-orders-phone.png"), full_page=True)
    assert presenter.errors == [] and viewer.errors == []
    for page in (presenter, viewer, board):
        await page.context.close()
