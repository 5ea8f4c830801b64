"""End to end in real Chromium on a phone: a Korean exhibitor fills in the registration
form, is told what to fix, sends it, and opens the confirmation link mailed to them."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from fair import registration as reg
from fair.db import open_database, session_scope
from fair.models import Registration
from fair.settings import Settings
from web.app import create_app

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        reg.set_open_roles(session, published_fair[0], ["exhibitor"])
    engine.dispose()
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


def confirmation_link(outbox: Path) -> str:
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))  # type: ignore[attr-defined]
        found = re.search(r"/fair/register/confirm/[\w-]+", body.get_content())
        if found:
            return found.group(0)
    raise AssertionError("no confirmation link in the outbox")


async def test_browser_phone_registration_to_confirmation(
    browser: Any, server: TestServer, settings: Settings, tmp_path: Path
) -> None:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = await context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    await page.goto(str(server.make_url("/fair/register/exhibitor?lang=ko")))
    assert await page.locator("h1").inner_text() == "출품사로 등록"
    # Nothing wider than the phone.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    await page.fill("input[name=company]", "하동녹차 영농조합")
    await page.select_option("select[name=country]", "KR")
    # The country's zones come first, and the first one is chosen.
    assert await page.input_value("select[name='people-0-timezone']") == "Asia/Seoul"
    await page.fill("input[name='people-0-name']", "박지우")
    await page.fill("input[name='people-0-email']", "jiwoo-at-hadong.example")  # a typo
    await page.fill("input[name='people-0-languages']", "ko en")
    await page.click("#add-person")
    await page.fill("input[name='people-1-name']", "김하늘")
    await page.fill("input[name='people-1-email']", "haneul@hadong-tea.example")
    await page.select_option("select[name='people-1-timezone']", "Asia/Seoul")
    await page.fill("input[name='products-0-name']", "하동 우전 녹차")
    await page.fill("input[name='products-0-price_min']", "12.5")
    await page.click("button.primary")
    await page.wait_for_load_state()

    error = page.locator("#err-people-0-email")
    assert "e-mail" in (await error.inner_text()) or "메일" in (await error.inner_text())
    assert await page.input_value("input[name='people-0-email']") == "jiwoo-at-hadong.example"
    assert await page.input_value("input[name='people-1-name']") == "김하늘"
    await page.fill("input[name='people-0-email']", "jiwoo@hadong-tea.example")
    await page.click("button.primary")
    await page.wait_for_selector("#register-sent")
    assert await page.locator("h1").inner_text() == "이메일을 확인하세요"

    link = confirmation_link(Path(settings.smtp_outbox))
    await page.goto(str(server.make_url(link)))
    await page.wait_for_selector("#register-confirmed")
    assert "하동녹차 영농조합" in await page.locator("#register-confirmed").inner_text()
    await page.screenshot(path=str(tmp_path / "confirmed.png"))
    assert [line for line in console if "Content Security" in line] == []

    engine = open_database(settings.database_url)
    try:
        with session_scope(engine) as session:
            [stored] = session.exec(select(Registration)).all()
            assert stored.confirmed_at is None  # the second person has not confirmed yet
            assert len(stored.data["people"]) == 2
    finally:
        engine.dispose()
    await context.close()
