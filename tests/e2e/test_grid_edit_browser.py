"""The organiser edits the grid by hand in real Chromium: dragging a meeting onto a free
cell moves it (the grid reloads with it there, in a new draft), dragging it onto a cell
it cannot use is refused with the reason, and picking a request with the keyboard marks
the cells it cannot go to with why (the factory fair: r1 in person at 09:00 on day 1;
r2 online only, and de1's Berlin hours are night in Shanghai)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))
AT_0930 = 'td[data-start="2026-11-27T01:30:00Z"]'
AT_1000 = 'td[data-start="2026-11-27T02:00:00Z"]'


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def signed_in(browser: Any, server: TestServer, width: int = 1280) -> Any:
    page = await browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    await page.goto(str(server.make_url("/organiser/grid?day=1")))
    page.errors = errors
    return page


async def test_browser_drag_to_a_valid_cell_moves_the_meeting(
    browser: Any, server: TestServer
) -> None:
    page = await signed_in(browser, server)
    meeting = page.locator('.cell[data-request="r1"]')
    assert await meeting.get_attribute("data-place") == "KR-B01"
    async with page.expect_navigation():
        await meeting.drag_to(page.locator(f'{AT_0930}[data-place="KR-T01"]'))
    moved = page.locator(f'{AT_0930}[data-place="KR-T01"] .cell[data-request="r1"]')
    await moved.wait_for()
    assert "2" in await page.locator("#grid-edit").inner_text()  # draft version 2
    assert await page.locator(".grid-diff .diff-moved").inner_text() == "r1 moved"
    assert await page.locator("#grid-undo").is_enabled()
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / "grid-edit-laptop.png"), full_page=True)
    assert page.errors == []


async def test_browser_drag_to_an_invalid_cell_is_refused_with_the_reason(
    browser: Any, server: TestServer
) -> None:
    page = await signed_in(browser, server)
    meeting = page.locator('.cell[data-request="r1"]')
    await meeting.drag_to(page.locator(f'{AT_1000}[data-place="online"]'))
    status = page.locator("#grid-status")
    await page.locator("#grid-status", has_text="Refused").wait_for()
    assert await status.inner_text() == "Refused: This meeting is in person only."
    assert await meeting.get_attribute("data-place") == "KR-B01"  # still where it was
    assert page.errors == []


async def test_browser_keyboard_pick_marks_refused_cells_with_why(
    browser: Any, server: TestServer
) -> None:
    page = await signed_in(browser, server)
    await page.click(".grid-left summary")
    await page.focus('.grid-left [data-request="r2"]')
    await page.keyboard.press("Enter")
    cell = page.locator(f'{AT_1000}[data-place="online"]')
    await page.locator('td[data-place="online"].target-no').first.wait_for()
    assert "target-no" in (await cell.get_attribute("class") or "")
    why = await cell.get_attribute("title") or ""
    assert "Anna Becker" in why and "Europe/Berlin" in why
    # Enter on a refused cell asks the server, which refuses it with the same reason.
    await cell.focus()
    await page.keyboard.press("Enter")
    await page.locator("#grid-status", has_text="Refused").wait_for()
    assert "Europe/Berlin" in await page.locator("#grid-status").inner_text()
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / "grid-edit-refused.png"), full_page=True)
    assert page.errors == []


async def test_browser_keyboard_moves_a_meeting_on_a_phone(
    browser: Any, server: TestServer
) -> None:
    page = await signed_in(browser, server, width=390)
    await page.focus('.cell[data-request="r1"]')
    await page.keyboard.press("Enter")
    await page.locator("td.target-ok").first.wait_for()
    await page.keyboard.press("ArrowDown")  # 09:30, still in KR-B01's column
    await page.keyboard.press("ArrowRight")  # KR-T01
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / "grid-edit-phone.png"), full_page=True)
    focused = await page.evaluate(
        "[document.activeElement.dataset.start, document.activeElement.dataset.place]"
    )
    assert focused == ["2026-11-27T01:30:00Z", "KR-T01"]
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.locator(f'{AT_0930}[data-place="KR-T01"] .cell[data-request="r1"]').wait_for()
    assert page.errors == []
