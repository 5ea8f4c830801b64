"""The availability page's hours per date in a real browser, on a laptop and a phone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.web.test_portal import stored_person
from web.app import create_app

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


@pytest.mark.parametrize(
    ("device", "width", "height"), [("laptop", 1280, 800), ("phone", 390, 844)]
)
async def test_browser_participant_sets_hours_per_date(
    browser: Any,
    server: TestServer,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
    device: str,
    width: int,
    height: int,
) -> None:
    page = await browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(str(server.make_url(f"/p/{published_fair[1]['de1']}")))
    await page.wait_for_url("**/me")
    await page.goto(str(server.make_url("/me/availability")))
    await page.select_option("select[name='date-2026-11-28']", "away")
    await page.select_option("select[name='date-2026-11-27']", "hours")
    await page.fill("input[name='hours-2026-11-27']", "01:00-03:00 04:00-05:00")
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / f"availability-{device}.png"), full_page=True)
    await page.click("button.primary")
    await page.wait_for_url("**/me/availability?done=saved")
    assert await page.locator("select[name='date-2026-11-28']").input_value() == "away"
    assert stored_person(settings, "de1").dates == {
        "2026-11-27": ["01:00-03:00", "04:00-05:00"],
        "2026-11-28": [],
    }
    assert errors == []
