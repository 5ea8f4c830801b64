"""Screenshots of the main pages for the README: `python -m bench.screenshots [DIR]`.

Builds the demo fair in a temporary database, serves it on a free loopback port and
photographs the pages in Debian's Chromium (Playwright, `executable_path`), on a laptop
and a phone. Needs the dev extras and Chromium (./dev test installs both).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.engine import Engine

import scheduler.problem as sp
from fair import registration as reg
from fair.db import open_database, session_scope
from fair.sample.demo import Demo, prepare_demo
from fair.settings import Settings
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


async def shoot(out: Path, only: str = "") -> None:
    """Photograph the pages into `out`; `only="pictures"`: just issue 22's pictures (the
    dashboard with its charts, the grid's heat map, a participant's day, the PDF report's
    first page), after the demo fair has played out."""
    from playwright.async_api import async_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite"
        engine = open_database(url)
        demo = prepare_demo(engine, "video", 1, sp.Options(time_limit=15, workers=2))
        settings = Settings(database_url=url, secret_key="screenshots", smtp_outbox=f"{tmp}/mail")
        registrations(engine, demo.fair_id, settings)
        engine.dispose()
        app = create_app(settings)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                if only != "pictures":
                    await pages(browser, base, out, demo)
                await pictures(browser, base, out, demo, url)
                await browser.close()
        finally:
            await runner.cleanup()


async def pages(browser: Any, base: str, out: Path, demo: Demo) -> None:
    """The main pages of the demo fair as scheduled."""
    person = demo.participants[0]
    for device, width, height in (("laptop", 1366, 860), ("phone", 390, 844)):
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(f"{base}/p/{person.token}")
        await page.screenshot(path=str(out / f"agenda-{device}.png"))
        await page.close()
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base}/fair/register/exhibitor?lang=ko")
    await page.select_option("select[name=country]", "KR")
    await page.screenshot(path=str(out / "register-phone.png"))
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
        ("registrations", "/organiser/registrations"),
    ):
        await page.goto(base + path)
        await page.screenshot(path=str(out / f"{name}.png"))
    await page.close()


async def sign_in(browser: Any, base: str, demo: Demo, width: int, height: int) -> Any:
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(f"{base}/login")
    await page.fill("input[name=email]", demo.organiser_email)
    await page.fill("input[name=password]", demo.organiser_password)
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    return page


async def pictures(browser: Any, base: str, out: Path, demo: Demo, url: str) -> None:
    """Issue 22's pictures, once the demo fair has played out (meetings held, deals)."""

    from sqlmodel import Session

    from fair.sample.outcome import play_out
    from web import i18n
    from web.report_pdf import report_pdf

    engine = open_database(url)
    with session_scope(engine) as session:
        play_out(session, demo.fair_id, {}, seed=1, held=0.7, deal=0.35)
    for device, width, height in (("laptop", 1280, 900), ("phone", 390, 844)):
        page = await sign_in(browser, base, demo, width, height)
        await page.goto(f"{base}/organiser/dashboard")
        await page.wait_for_selector("#charts:not([data-as-of=''])")
        await page.wait_for_timeout(800)  # the charts' own entry animation
        await page.screenshot(
            path=str(out / f"dashboard-{device}.png"), full_page=device == "laptop"
        )
        await page.goto(f"{base}/organiser/grid?day=1")
        await page.locator("#grid-load").screenshot(path=str(out / f"heatmap-{device}.png"))
        await page.close()
    # Someone whose own zone is not the fair's, so the day is drawn in both.
    person = next(
        (p for p in demo.participants if p.timezone != demo.fair_timezone), demo.participants[0]
    )
    for device, width, height in (("laptop", 1280, 900), ("phone", 390, 844)):
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(f"{base}/p/{person.token}")
        await page.locator("#day-picture").screenshot(path=str(out / f"day-{device}.png"))
        await page.close()
    i18n.load_catalogues()
    with Session(engine) as session:
        pdf = report_pdf(session, demo.fair_id, {}, "zh")
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "report.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "2",
                "-singlefile",
                "report.pdf",
                "page",
            ],
            cwd=tmp,
            check=True,
        )
        shutil.copy(Path(tmp) / "page.png", out / "report-page1.png")


def registrations(engine: Engine, fair_id: int, settings: Settings) -> None:
    """Open the registration form and leave two confirmed registrations waiting."""
    forms = (
        reg.RegistrationForm(
            role="exhibitor",
            company="Hadong Green Tea Co.",
            country="KR",
            sectors="food & beverage; tea",
            offers="green tea; matcha",
            people=({"name": "Park Jiwoo", "email": "jiwoo@hadong-tea.example",
                     "timezone": "Asia/Seoul", "languages": "ko en"},),
            products=({"name": "First-flush green tea", "price_min": "12", "currency": "USD"},),
        ),
        reg.RegistrationForm(
            role="buyer",
            company="大阪フーズ株式会社",
            country="JP",
            sectors="food & beverage",
            needs="seafood; tea",
            people=({"name": "田中 花子", "email": "hanako@osaka-foods.example",
                     "timezone": "Asia/Tokyo", "languages": "ja"},),
        ),
    )  # fmt: skip
    with session_scope(engine) as session:
        reg.set_open_roles(session, fair_id, reg.ROLES)
    for form in forms:
        with session_scope(engine) as session:
            done = reg.submit(session, fair_id, form, settings)
        for notice in done.notices:
            body = notice.message.get_body(("plain",))
            assert body is not None
            token = body.get_content().split("/fair/register/confirm/")[1].split()[0]
            with session_scope(engine) as session:
                reg.confirm(session, token)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--only=")]
    only = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")), "")
    out = Path(args[0]) if args else Path("docs/screenshots")
    asyncio.run(shoot(out, only))
    for path in sorted(out.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
