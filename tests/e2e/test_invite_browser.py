"""End to end in real Chromium with a real SMTP server (aiosmtpd): the organiser invites
everyone from the participants page and watches the outbox page count them sent by
itself; a Korean participant opens the link from the e-mail they received, in a fresh
English browser, and lands on their agenda in Korean."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.mail import Inbox, free_port
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e


@pytest.fixture
async def server(
    aiohttp_server: Any,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
    smtp: tuple[Inbox, int],
) -> TestServer:
    port = free_port()
    mailing = replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_starttls=False,
        server_base_url=f"http://127.0.0.1:{port}",
    )
    result: TestServer = await aiohttp_server(create_app(mailing), port=port)
    return result


async def test_browser_organiser_invites_and_participant_lands_on_korean_agenda(
    browser: Any, server: TestServer, smtp: tuple[Inbox, int]
) -> None:
    organiser = await browser.new_context(locale="en-GB")
    page = await organiser.new_page()
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("form button")
    await page.wait_for_load_state()
    await page.goto(str(server.make_url("/organiser/participants")))
    await page.get_by_role("button", name="Invite everyone not yet invited (5)").click()
    await page.wait_for_url(re.compile(r"/organiser/outbox\?invited=5$"))
    # The page refreshes its figures by itself while the sender works.
    sent = page.locator('[data-invitations="sent"]')
    await page.wait_for_function(
        "() => document.querySelector('[data-invitations=\"sent\"]').textContent === '5'",
        timeout=20_000,
    )
    assert await sent.inner_text() == "5"
    await page.goto(str(server.make_url("/organiser/participants")))
    again = page.get_by_role("button", name="Invite everyone not yet invited (0)")
    assert await again.is_disabled()

    messages = smtp[0].by_recipient()
    assert len(messages) == 5
    korean = messages["minjun@busan-marine.example"]
    text = korean.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("김민준 님께")
    link = re.search(r"http://127\.0\.0\.1:\d+/p/[\w-]+\?lang=ko", text)
    assert link, text

    participant = await browser.new_context(locale="en-US")  # a browser asking for English
    mine = await participant.new_page()
    await mine.goto(link.group(0))
    await mine.wait_for_url(re.compile(r"/me$"))
    assert await mine.locator("html").get_attribute("lang") == "ko"
    assert await mine.get_by_role("link", name="내 일정").count() >= 1
    assert "김민준" in await mine.locator("main").inner_text()
    await participant.close()
    await organiser.close()
