"""End to end in real Chromium: a no-show frees a slot, the offer reaches both people's
open agendas, both accept, the new meeting appears in their agendas, its room connects,
and the organiser's control room lists the freed slot as booked."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.live_fair import LiveFair
from tests.web.conftest import ORGANISER
from web.app import create_app
from web.keys import SIO

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, live_fair: LiveFair, clock: list[datetime]
) -> TestServer:
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def agenda_of(browser: Any, server: TestServer, token: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(str(server.make_url(f"/p/{token}")))
    await page.wait_for_url("**/me")
    await page.wait_for_selector("#notices[data-live='yes']", state="attached")
    return page


async def test_browser_a_freed_slot_is_offered_accepted_and_its_room_connects(
    loopback_browser: Any, server: TestServer, live_fair: LiveFair, clock: list[datetime]
) -> None:
    buyer = await agenda_of(loopback_browser, server, live_fair.tokens["b2"])
    seller = await agenda_of(loopback_browser, server, live_fair.tokens["e2"])
    assert await buyer.locator("main >> text=Jeju Greens").count() == 0

    clock[0] = live_fair.slot_start + timedelta(minutes=11)
    meetings = server.app[SIO].namespace_handlers["/meeting"]
    assert [uid for _, uid in await meetings.sweep_no_shows()] == [live_fair.uid]

    offer = ".slot-offer[data-status='offered']"
    await buyer.wait_for_selector(f"{offer}:has-text('Jeju Greens')")
    await seller.wait_for_selector(f"{offer}:has-text('Hanse Feinkost')")
    if SHOTS.is_dir():
        await buyer.screenshot(path=str(SHOTS / "slot-offer.png"))
    await buyer.click(f"{offer} button.primary")
    await buyer.wait_for_selector(f"{offer}:has-text('Waiting for Park Jiwoo')")
    await seller.wait_for_selector(f"{offer}:has-text('Anna Becker has accepted')")
    await seller.click(f"{offer} button.primary")

    # Both agendas reload with the new meeting, and the booked card links to its room.
    for page, other in ((buyer, "Jeju Greens"), (seller, "Hanse Feinkost")):
        # (visible: the day's picture names the meeting too, in an SVG <title>)
        await page.wait_for_selector(f"main >> text={other} >> visible=true", timeout=10000)
        await page.wait_for_selector(".slot-offer[data-status='booked']")
    await buyer.click(".slot-offer[data-status='booked'] a.button")
    await buyer.wait_for_url(f"**/rooms/{live_fair.waiting_uid}")
    await seller.goto(str(server.make_url(f"/rooms/{live_fair.waiting_uid}")))
    for page in (buyer, seller):
        await page.wait_for_selector("#room[data-connection='connected']", timeout=20000)

    context = await loopback_browser.new_context(viewport={"width": 1280, "height": 900})
    board = await context.new_page()
    await board.goto(str(server.make_url("/login")))
    await board.fill("input[name=email]", ORGANISER[0])
    await board.fill("input[name=password]", ORGANISER[1])
    await board.click("button.primary")
    await board.wait_for_url("**/organiser")
    await board.goto(str(server.make_url("/organiser/control")))
    await board.wait_for_selector("#freed .offer[data-status='booked']")
    if SHOTS.is_dir():
        await board.screenshot(path=str(SHOTS / "control-freed.png"), full_page=True)
    assert buyer.errors == [] and seller.errors == []
    for page in (buyer, seller, board):
        await page.context.close()
