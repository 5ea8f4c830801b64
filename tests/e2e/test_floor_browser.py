"""End to end in a real browser: a buyer searches the catalogue in Korean on a phone,
opens the booth it finds and requests a meeting there."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from web.app import create_app

pytestmark = pytest.mark.e2e


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def test_browser_buyer_searches_in_korean_opens_booth_and_requests_meeting(
    browser: Any, server: TestServer, published_fair: tuple[int, dict[str, str]]
) -> None:
    fair_id, tokens = published_fair
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await page.goto(str(server.make_url(f"/p/{tokens['cn1']}")))
    await page.goto(str(server.make_url("/fair")))
    await page.wait_for_url(f"**/fair/{fair_id}")

    await page.fill("#floor-q", "해양")  # two Hangul syllables: below FTS5's trigram
    await page.press("#floor-q", "Enter")
    await page.wait_for_url("**/catalogue?q=*")
    assert "1 result" in await page.locator("#result-count").inner_text()
    await page.click("text=부산해양식품 주식회사")

    await page.wait_for_selector("#meet form")
    # cn1 asked kr1 already: the form offers the colleague kr2.
    assert await page.locator("select[name=to]").input_value() == "kr2"
    await page.select_option("select[name=priority]", "4")
    await page.click("#meet button.primary")
    await page.wait_for_url("**?done=sent#meet")
    assert "Your request was sent" in await page.locator("#meet-done").inner_text()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the booth page scrolls sideways on a phone"
    assert problems == []
