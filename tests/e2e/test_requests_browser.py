"""End to end in a real browser: a participant finds another company in the portal and
asks for a meeting on a laptop; the receiver accepts it with their own priority on a
phone; the sender sees the answer."""

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


async def test_browser_participant_sends_request_and_other_accepts(
    browser: Any, server: TestServer, published_fair: tuple[int, dict[str, str]]
) -> None:
    tokens = published_fair[1]

    # cn1 (青岛海润食品) finds Hanse Feinkost in the list and asks Anna Becker (de1).
    sender = await browser.new_page(viewport={"width": 1280, "height": 800})
    await sender.goto(str(server.make_url(f"/p/{tokens['cn1']}")))
    await sender.wait_for_url("**/me")
    await sender.click("nav >> text=My requests")
    await sender.wait_for_url("**/me/requests")
    await sender.fill("#find input[name=q]", "laver")
    await sender.click("#find button")
    entry = sender.locator("#find .directory li", has_text="Hanse Feinkost GmbH")
    await entry.locator("text=Request a meeting").click()
    await sender.wait_for_url("**/me/requests?to=de1*")
    assert await sender.input_value("#new input[name=to]") == "de1"
    await sender.select_option("#new select[name=priority]", "4")
    await sender.select_option("#new select[name=mode]", "online")
    await sender.click("#new button.primary")
    await sender.wait_for_url("**/me/requests?done=sent*")
    assert "was sent" in await sender.locator(".notice").inner_text()
    sent_row = sender.locator("#sent tr", has_text="Hanse Feinkost GmbH")
    assert "waiting" in await sent_row.inner_text()

    # de1 sees it on a phone and accepts with their own priority.
    receiver = await browser.new_page(viewport={"width": 390, "height": 844})
    await receiver.goto(str(server.make_url(f"/p/{tokens['de1']}")))
    await receiver.wait_for_url("**/me")
    await receiver.goto(str(server.make_url("/me/requests")))
    row = receiver.locator("#received tr", has_text="青岛海润食品有限公司")
    assert "4/5" in await row.inner_text()
    await row.locator("select[name=to_priority]").select_option("5")
    await row.locator("button", has_text="Accept").click()
    await receiver.wait_for_url("**/me/requests?done=accepted*")
    row = receiver.locator("#received tr", has_text="青岛海润食品有限公司")
    assert "accepted" in await row.locator(".tag").inner_text()
    assert "5/5" in await row.inner_text()
    overflow = await receiver.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow

    # The sender sees the answer.
    await sender.reload()
    sent_row = sender.locator("#sent tr", has_text="Hanse Feinkost GmbH")
    assert "accepted" in await sent_row.locator(".tag").inner_text()
