"""End to end in a real browser: the organiser finds the what-if levers on the version
page, applies the top one, watches the re-solve on the console and opens the new draft
with its diff; the panel fits a phone and reads in Chinese, Korean and Japanese."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.models import Participant
from fair.settings import Settings
from tests.fair.test_whatif import one_table_fair
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e
# Set FAIR_SCREENSHOTS=DIR to keep screenshots of the pages the tests visit.
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Short re-solves: the fair is tiny, and a busy machine should not time the test out."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
        solver_time_limit=10,
    )


@pytest.fixture
async def server(aiohttp_server: Any, settings: Settings) -> TestServer:
    engine = open_database(settings.database_url)
    one_table_fair(engine)
    with session_scope(engine) as session:
        create_organiser(session, *ORGANISER)
        assert session.exec(select(Participant)).first() is not None
    engine.dispose()
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def _sign_in(browser: Any, server: TestServer, width: int, height: int) -> Any:
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    return page


async def test_browser_whatif_apply_resolves_into_draft_with_diff(
    browser: Any, server: TestServer
) -> None:
    page = await _sign_in(browser, server, 1280, 900)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(str(server.make_url("/organiser/versions/1")))
    await page.click("text=Find what would schedule more")
    await page.wait_for_url("**/organiser/versions/1?whatif=1*")
    top = page.locator(".lever").first
    assert await top.locator(".lever-gain strong").inner_text() == "+4"
    assert "2 more tables in Korea Pavilion" in await top.inner_text()
    if SHOTS.is_dir():
        await page.locator("#whatif").screenshot(path=str(SHOTS / "whatif-laptop.png"))
    # The keyboard reaches "apply" like a mouse does.
    await top.locator("button").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/organiser#solver")
    # The console shows the re-solve and reloads when it is done: draft 2 is listed.
    await page.wait_for_selector("text=Done: version 2", timeout=60_000)
    await page.click("tr:has-text('draft') >> text=details")
    await page.wait_for_url("**/organiser/versions/2")
    new = page.locator(".stat:has-text('new') strong")
    assert await new.inner_text() == "4"
    assert await page.locator("text=6 of 6 requests scheduled").count() == 1
    assert errors == []


@pytest.mark.parametrize("lang", ["en", "zh", "ko", "ja"])
async def test_browser_whatif_panel_fits_a_phone(
    browser: Any, server: TestServer, lang: str
) -> None:
    page = await _sign_in(browser, server, 390, 844)
    await page.goto(str(server.make_url(f"/organiser/versions/1?whatif=1&lang={lang}")))
    assert await page.locator(".lever").count() >= 2
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    box = await page.locator(".lever button").first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    if SHOTS.is_dir():
        await page.locator("#whatif").screenshot(path=str(SHOTS / f"whatif-phone-{lang}.png"))
