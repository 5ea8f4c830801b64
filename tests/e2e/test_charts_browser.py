"""End to end in real Chromium: the organiser's dashboard draws its charts (Apache
ECharts, under the strict CSP) and redraws them without a reload when a deal is
recorded in a meeting room over socket.io."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.realtime.conftest import Live, live, live_meeting, settings  # noqa: F401
from tests.web.conftest import ORGANISER

pytestmark = pytest.mark.e2e
# Set FAIR_SCREENSHOTS=DIR to keep screenshots of the charts at laptop and phone widths.
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/nonexistent"))
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
FLOWS = "echarts.getInstanceByDom(document.getElementById('chart-flows')).getOption()"


async def dashboard(browser: Any, fair: Live, width: int, height: int) -> Any:
    context = await browser.new_context(viewport={"width": width, "height": height})
    await context.add_init_script(LISTEN)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(f"{fair.base}/login")
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    await page.goto(f"{fair.base}/organiser/dashboard")
    await page.wait_for_selector("#dashboard[data-live='yes']")
    await page.wait_for_selector("#charts[data-value]", state="attached")
    return page


async def test_browser_dashboard_charts_update_when_a_deal_is_recorded(
    browser: Any,
    live: Live,  # noqa: F811 (the fixture of tests/realtime/conftest.py)
) -> None:
    laptop = await dashboard(browser, live, 1280, 900)
    phone = await dashboard(browser, live, 390, 844)
    for page in (laptop, phone):
        assert await page.locator("#charts").get_attribute("data-value") == "0.00"
        assert await page.locator("#table-flows tr").count() == 0
        assert await page.evaluate(f"{FLOWS}.series[0].data.length") == 0

    seller = await live.connect("kr1")
    await seller.call("join", {"meeting": live.uid})
    deal = {"type": "purchase", "amount": "7600000", "currency": "USD"}
    ack = await seller.call("deal:record", {**deal, "client_key": uuid.uuid4().hex})
    assert ack["ok"] is True

    for page in (laptop, phone):
        # No reload: the page's push (totals) makes the charts fetch their figures again.
        await page.wait_for_selector("#charts[data-value='7600000.00']", state="attached")
        flows = await page.locator("#table-flows td").all_inner_texts()
        assert flows[:3] == ["South Korea", "China", "1"]
        assert await page.evaluate(f"{FLOWS}.series[0].data") == [[0, 0, 7600000]]
        timeline = await page.locator("#table-timeline td").all_inner_texts()
        assert timeline[1] == "Purchase contract" and timeline[2] == "7,600,000"
        pavilions = await page.locator("#table-pavilions tr").count()
        assert pavilions == 1
        assert await page.evaluate("window.__csp") == []
        assert page.errors == []
    if SHOTS.is_dir():
        await laptop.locator("#charts").screenshot(path=str(SHOTS / "charts-laptop.png"))
        await phone.screenshot(path=str(SHOTS / "charts-phone.png"), full_page=True)
    for page in (laptop, phone):
        await page.context.close()
