"""Screenshots of the main pages for the README: `python -m bench.screenshots [DIR]`.

Builds the demo fair in a temporary database, serves it on a free loopback port and
photographs the pages in Debian's Chromium (Playwright, `executable_path`), on a laptop
and a phone. Needs the dev extras and Chromium (./dev test installs both).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from aiohttp import web

import scheduler.problem as sp
from fair.db import open_database
from fair.sample.demo import prepare_demo
from fair.settings import Settings
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


async def shoot(out: Path) -> None:
    from playwright.async_api import async_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite"
        engine = open_database(url)
        demo = prepare_demo(engine, "video", 1, sp.Options(time_limit=15, workers=2))
        engine.dispose()
        app = create_app(Settings(database_url=url, secret_key="screenshots"))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                person = demo.participants[0]
                for device, width, height in (("laptop", 1366, 860), ("phone", 390, 844)):
                    page = await browser.new_page(viewport={"width": width, "height": height})
                    await page.goto(f"{base}/p/{person.token}")
                    await page.screenshot(path=str(out / f"agenda-{device}.png"))
                    await page.close()
                page = await browser.new_page(viewport={"width": 1366, "height": 860})
                await page.goto(f"{base}/login")
                await page.fill("input[name=email]", demo.organiser_email)
                await page.fill("input[name=password]", demo.organiser_password)
                await page.click("button.primary")
                await page.wait_for_url("**/organiser")
                await page.screenshot(path=str(out / "console.png"))
                for name, path in (
                    ("grid", "/organiser/grid?day=1"),
                    ("grid-people", "/organiser/grid?day=1&view=people"),
                    ("version", "/organiser/versions/1"),
                    ("whatif", "/organiser/versions/1?whatif=1"),
                    ("control", "/organiser/control"),
                    ("floor", f"/fair/{demo.fair_id}"),
                    ("catalogue", f"/fair/{demo.fair_id}/catalogue?q=%EC%8B%9D%ED%92%88"),
                    ("programme", f"/fair/{demo.fair_id}/programme"),
                ):
                    await page.goto(base + path)
                    await page.screenshot(path=str(out / f"{name}.png"))
                await browser.close()
        finally:
            await runner.cleanup()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    asyncio.run(shoot(out))
    for path in sorted(out.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
