"""End to end in real Chromium: two participants meet in a video room, chat, record and
confirm a deal, and the organiser's dashboard shows the new total."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.realtime.conftest import move_online_meeting
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e
# Set FAIR_SCREENSHOTS=DIR to keep screenshots of the room and the dashboard.
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    move_online_meeting(settings.database_url, datetime.now(UTC) - timedelta(minutes=2))
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def open_room(browser: Any, server: TestServer, token: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(str(server.make_url(f"/p/{token}")))
    await page.wait_for_url("**/me")
    await page.click("a.button.primary[href^='/rooms/']")
    await page.wait_for_url("**/rooms/*")
    return page


async def test_browser_two_participants_meet_chat_and_close_a_deal(
    loopback_browser: Any, server: TestServer, published_fair: tuple[int, dict[str, str]]
) -> None:
    tokens = published_fair[1]
    buyer = await open_room(loopback_browser, server, tokens["cn1"])
    seller = await open_room(loopback_browser, server, tokens["kr1"])
    for page in (buyer, seller):
        await page.wait_for_selector("#room[data-connection='connected']", timeout=20000)
        assert await page.locator("#media-error").is_hidden()

    await buyer.fill("#chat-text", "你好，我们谈谈价格")
    await buyer.press("#chat-text", "Enter")
    await seller.wait_for_selector(".chat-lines li:has-text('你好，我们谈谈价格')")

    await seller.select_option("#deal-form select[name=type]", "purchase")
    await seller.fill("#deal-form input[name=amount]", "7600000")
    await seller.fill("#deal-form input[name=note]", "frozen seafood, 12 months")
    await seller.click("#deal-submit")
    await buyer.click(".deal button.confirm")
    await seller.wait_for_selector(".deal[data-confirmed='yes']")
    if SHOTS.is_dir():
        await seller.screenshot(path=str(SHOTS / "room.png"))

    context = await loopback_browser.new_context()
    board = await context.new_page()
    await board.goto(str(server.make_url("/login")))
    await board.fill("input[name=email]", ORGANISER[0])
    await board.fill("input[name=password]", ORGANISER[1])
    await board.click("button.primary")
    await board.wait_for_url("**/organiser")
    await board.goto(str(server.make_url("/organiser/dashboard")))
    await board.wait_for_selector("#total-value[data-value='7600000.00']")
    await board.wait_for_selector("#dashboard[data-live='yes']")
    assert await board.locator("#deal-count").inner_text() == "1"
    # The live totals name the countries as the page does, not by their codes.
    countries = await board.locator("#by-country td:first-child").all_inner_texts()
    assert sorted(countries) == ["China", "South Korea"]
    assert await board.locator("#by-country td[title]").count() == 0  # re-drawn live
    if SHOTS.is_dir():
        await board.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert buyer.errors == [] and seller.errors == []
    # Close the sockets before the server stops, so its shutdown does not wait for them.
    for page in (buyer, seller, board):
        await page.context.close()
