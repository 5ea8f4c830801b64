"""The Content Security Policy holds in a real browser: every page the app serves, as the
organiser and as a participant (the live meeting room with its socket.io connection and
camera included), loads without a single CSP violation — no inline script or style, no
foreign connection. Pages are enumerated from the router, so a new page is checked too."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.realtime.conftest import move_online_meeting
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
NOT_PAGES = (
    "/api/",
    "/socket.io",
    "/static/",
    "/vendor/",
    "/p/",
    "/feed/",
    "/healthz",
    "/metrics",
)


@pytest.fixture
async def live_server(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> tuple[TestServer, str]:
    uid = move_online_meeting(settings.database_url, datetime.now(UTC) - timedelta(minutes=2))
    server: TestServer = await aiohttp_server(create_app(settings))
    return server, uid


def pages(server: TestServer, fair_id: int, uid: str) -> list[str]:
    values = {"fair": str(fair_id), "uid": uid, "number": "1", "id": "1", "key": "kr1"}
    found = set()
    for route in server.app.router.routes():  # type: ignore[union-attr]
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method != "GET" or not path or path.startswith(NOT_PAGES):
            continue
        if path.endswith((".ics", "/status", ".json", ".pdf")):  # not pages: downloads
            continue
        found.add(re.sub(r"\{([^}:]+)[^}]*\}", lambda m: values.get(m.group(1), "1"), path))
    return sorted(found)


async def visit_all(browser: Any, server: TestServer, paths: list[str], sign_in: str) -> list[str]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(LISTEN)
    page = await context.new_page()
    reports: list[str] = []
    page.on(
        "console",
        lambda msg: (
            reports.append(f"console: {msg.text}")
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    if sign_in == "organiser":
        await page.goto(str(server.make_url("/login")))
        await page.fill("input[name=email]", ORGANISER[0])
        await page.fill("input[name=password]", ORGANISER[1])
        await page.click("button.primary")
        await page.wait_for_url("**/organiser")
    else:
        await page.goto(str(server.make_url(sign_in)))
        await page.wait_for_url("**/me")
    for path in paths:
        await page.goto(str(server.make_url(path)), wait_until="load")
        await page.wait_for_timeout(250)  # scripts that start after load (sockets, clocks)
        seen = await page.evaluate("window.__csp || []")
        reports.extend(f"{path}: {v}" for v in seen)
    await context.close()
    return reports


async def test_browser_pages_pass_the_csp_as_organiser_and_participant(
    browser: Any,
    live_server: tuple[TestServer, str],
    published_fair: tuple[int, dict[str, str]],
) -> None:
    server, uid = live_server
    paths = pages(server, published_fair[0], uid)
    assert {"/", "/login", "/me", "/organiser", f"/rooms/{uid}"} <= set(paths)
    assert len(paths) >= 15
    organiser = await visit_all(browser, server, paths, "organiser")
    participant = await visit_all(browser, server, paths, f"/p/{published_fair[1]['kr1']}")
    assert organiser == []
    assert participant == []


async def test_browser_csp_listener_sees_an_inline_script(
    browser: Any, live_server: tuple[TestServer, str]
) -> None:
    """The check above can fail: an inline script injected into a served page is
    reported as a violation."""
    server, _ = live_server
    context = await browser.new_context()
    await context.add_init_script(LISTEN)
    page = await context.new_page()
    await page.goto(str(server.make_url("/login")))
    await page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    await page.wait_for_timeout(200)
    seen = await page.evaluate("window.__csp")
    await context.close()
    assert any(v.startswith("script-src") for v in seen), seen
