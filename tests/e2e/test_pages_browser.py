"""End to end in a real browser: the organiser's console and grid, a participant's agenda
in their own time zone, on a laptop and a phone."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e
# Set FAIR_SCREENSHOTS=DIR to keep screenshots of the pages the tests visit.
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))


@pytest.fixture
async def server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> TestServer:
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def test_browser_organiser_signs_in_and_opens_grid(browser: Any, server: TestServer) -> None:
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    assert await page.locator("h1").inner_text() == "Qingdao–Busan Test Fair"
    assert await page.locator(".tag.published").count() == 1
    await page.click("text=Grid")
    await page.wait_for_url("**/organiser/grid")
    assert await page.locator(".grid .cell").count() >= 1


@pytest.mark.parametrize(
    ("device", "width", "height"), [("laptop", 1280, 800), ("phone", 390, 844)]
)
async def test_browser_participant_agenda_in_own_time_zone(
    browser: Any,
    server: TestServer,
    published_fair: tuple[int, dict[str, str]],
    device: str,
    width: int,
    height: int,
) -> None:
    tokens = published_fair[1]
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(str(server.make_url(f"/p/{tokens['kr1']}")))
    await page.wait_for_url("**/me")
    assert "Asia/Seoul" in await page.locator(".lead").inner_text()
    when = await page.locator(".meeting .when strong").first.inner_text()
    fair_time = await page.locator(".meeting .when .muted").first.inner_text()
    # Seoul is one hour ahead of the fair's Shanghai grid.
    assert int(when[:2]) == int(fair_time.split()[1][:2]) + 1
    # Nothing overflows the phone's width.
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / f"agenda-{device}.png"))


async def test_browser_organiser_runs_solver_and_sees_progress(
    browser: Any, server: TestServer
) -> None:
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    await page.fill("input[name=time_limit]", "5")
    # While it runs, the convergence chart draws each solver:progress (the page reloads
    # 1.5 s after the run, so wait for the points from before the click).
    drawn = asyncio.ensure_future(
        page.wait_for_selector("#solver-chart[data-points]", state="attached", timeout=60000)
    )
    await page.click("#solver-run")
    await page.wait_for_selector("#solver-live:not([hidden])")
    await page.wait_for_selector("#solver-text:has-text('Done')", timeout=60000)
    await drawn
    await page.wait_for_load_state("load")
    await page.wait_for_selector("text=draft")
    assert errors == []  # no CSP violations or script errors
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / "console.png"))
    # The version page draws the same from the figures stored with the version.
    await page.goto(str(server.make_url("/organiser/versions/2")))
    await page.wait_for_selector("#convergence[data-points]")
    assert int(await page.locator("#convergence").get_attribute("data-points") or 0) > 0
    assert await page.locator("#convergence-table tr").count() >= 1
    level = await page.locator("#convergence-table td").first.inner_text()
    assert level == "Level 1"
    assert errors == []
    if SHOTS.is_dir():
        await page.locator("#convergence").screenshot(path=str(SHOTS / "convergence.png"))


async def _sign_in_organiser(page: Any, server: TestServer) -> None:
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")


async def test_browser_grid_by_participant_header_lines_up_with_rows(
    browser: Any, server: TestServer
) -> None:
    # The room's `.people` list rule once made `table.grid.people` a CSS grid, so the
    # header row had its own column widths.
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await _sign_in_organiser(page, server)
    await page.goto(str(server.make_url("/organiser/grid?day=1&view=people")))
    widths = await page.evaluate(
        """() => {
          const t = document.querySelector('table.grid.people');
          const w = (cells) => [...cells].map((c) => Math.round(c.getBoundingClientRect().width));
          return [getComputedStyle(t).display, w(t.querySelector('thead tr').children),
                  w(t.querySelector('tbody tr').children)];
        }"""
    )
    display, head, row = widths
    assert display == "table"
    assert head == row
    await page.close()


@pytest.mark.parametrize(
    "path", ["/organiser/roadshows", "/organiser/import", "/organiser/dashboard"]
)
async def test_browser_organiser_forms_fit_a_phone(
    browser: Any, server: TestServer, path: str
) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await _sign_in_organiser(page, server)
    await page.goto(str(server.make_url(path)))
    sticking_out = await page.evaluate(
        """() => [...document.querySelectorAll('main form *, main .card, main .stat')]
             .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
             .map((e) => `${e.tagName}.${e.className}[${e.getAttribute('name') || ''}]`)"""
    )
    assert sticking_out == [], f"{path} on a phone: {sticking_out[:5]}"
    await page.close()
