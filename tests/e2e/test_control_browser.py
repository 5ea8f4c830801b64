"""End to end in real Chromium: the organiser's control room shows a running room and
follows who enters it live; an announcement to a pavilion appears on the open agenda
page of a participant in that pavilion and not on one outside it."""

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
# Set FAIR_SCREENSHOTS=DIR to keep screenshots of the control room and an agenda.
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    move_online_meeting(settings.database_url, datetime.now(UTC) - timedelta(minutes=2))
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def agenda_of(browser: Any, server: TestServer, token: str, width: int = 1280) -> Any:
    context = await browser.new_context(viewport={"width": width, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(str(server.make_url(f"/p/{token}")))
    await page.wait_for_url("**/me")
    await page.wait_for_selector("#notices[data-live='yes']", state="attached")
    return page


async def test_control_room_announcement_reaches_pavilion_agenda_only(
    browser: Any, server: TestServer, published_fair: tuple[int, dict[str, str]]
) -> None:
    tokens = published_fair[1]
    inside = await agenda_of(browser, server, tokens["kr2"], width=390)  # Korea Pavilion
    outside = await agenda_of(browser, server, tokens["cn1"])  # a buyer in no pavilion

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    board = await context.new_page()
    errors: list[str] = []
    board.on("pageerror", lambda exc: errors.append(str(exc)))
    await board.goto(str(server.make_url("/login")))
    await board.fill("input[name=email]", ORGANISER[0])
    await board.fill("input[name=password]", ORGANISER[1])
    await board.click("button.primary")
    await board.wait_for_url("**/organiser")
    await board.click("header nav a[href='/organiser/control']")
    await board.wait_for_selector("#control[data-live='yes']")
    await board.wait_for_selector("li.control-room[data-state='empty']")

    # Someone enters the running room: the control room follows without a reload.
    seller = await agenda_of(browser, server, tokens["kr1"])
    await seller.click("a.button.primary[href^='/rooms/']")
    await board.wait_for_selector("li.control-room[data-state='waiting']", timeout=15000)
    assert "in the room" in await board.locator("li.control-room").inner_text()

    await board.select_option("#announce-to", label="Korea Pavilion")
    await board.fill("#announce-text", "Hall B closes at 18:00")
    await board.click("#announce button.primary")
    await board.wait_for_url("**/organiser/control?sent=1")
    sent = await board.locator("#announcements").inner_text()
    assert "Hall B closes at 18:00" in sent and "Korea Pavilion" in sent

    await inside.wait_for_selector("#notices .announcement:has-text('Hall B closes at 18:00')")
    assert await inside.locator("#notices").is_visible()

    # Then one to the whole fair: once it is on the outside page, the pavilion's is not.
    await board.fill("#announce-text", "Doors open at 9:00")
    await board.click("#announce button.primary")
    await board.wait_for_url("**/organiser/control?sent=1")
    await outside.wait_for_selector("#notices .announcement:has-text('Doors open at 9:00')")
    assert await outside.locator("#notices .announcement").count() == 1
    await inside.wait_for_selector("#notices .announcement:has-text('Doors open at 9:00')")

    # Dismissed, it stays gone after a reload.
    await inside.click("#notices .announcement:has-text('Doors open') button")
    await inside.reload()
    await inside.wait_for_selector("#notices .announcement:has-text('Hall B closes at 18:00')")
    assert await inside.locator("#notices .announcement").count() == 1
    if SHOTS.is_dir():
        await board.screenshot(path=str(SHOTS / "control.png"), full_page=True)
        await inside.screenshot(path=str(SHOTS / "announcement-phone.png"), full_page=True)
        await board.set_viewport_size({"width": 390, "height": 800})
        await board.screenshot(path=str(SHOTS / "control-phone.png"), full_page=True)
    assert errors == [] and inside.errors == [] and outside.errors == []
