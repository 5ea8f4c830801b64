"""End to end in real Chromium: a Korean organiser downloads the Korean template, fills it
in (with openpyxl, as Excel would save it), uploads it, reads the preview and confirms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from openpyxl import load_workbook

from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.settings import Settings
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e

PEOPLE = [
    # id, company, name, email, role, country, timezone, pavilion, booth
    ("kr1", "제주감귤농원 주식회사", "고은비", "eunbi@jeju-citrus.example", "exhibitor", "KR",
     "Asia/Seoul", "KR", "KR-B001"),
    ("kr2", "제주감귤농원 주식회사", "문태호", "taeho@jeju-citrus.example", "exhibitor", "KR",
     "Asia/Seoul", "", ""),
    ("cn1", "大连海鲜贸易有限公司", "孙丽", "sunli@dalian-seafood.example", "buyer", "CN",
     "Asia/Shanghai", "", ""),
    ("jp1", "株式会社さくら商事", "佐藤健", "sato@sakura-shoji.example", "buyer", "JP",
     "Asia/Tokyo", "", ""),
]  # fmt: skip


def fill(path: Path) -> None:
    """Replace the template's example rows (below the header and the note row)."""
    book = load_workbook(path)
    people, requests, products = book["participants"], book["requests"], book["products"]
    for sheet in (people, requests, products):
        sheet.delete_rows(3, sheet.max_row)
    header = [c.value for c in people[1]]
    for row in PEOPLE:
        cells = dict(zip(header[:9], row, strict=True))
        people.append([cells.get(name, "") for name in header])
    header = [c.value for c in requests[1]]
    for key, sender in (("r1", "cn1"), ("r2", "jp1")):
        values = {"id": key, "from": sender, "to": "kr1", "priority": 4, "mode": "either"}
        requests.append(
            [values.get(name, "accepted" if name == "status" else "") for name in header]
        )
    header = [c.value for c in products[1]]
    product = {"id": "p1", "company": PEOPLE[0][1], "name": "제주 감귤 주스", "price_min": 1.5}
    products.append([product.get(name, "") for name in header])
    book.save(path)
    book.close()


@pytest.fixture
async def server(aiohttp_server: Any, settings: Settings) -> TestServer:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        create_organiser(session, *ORGANISER)
    engine.dispose()
    result: TestServer = await aiohttp_server(create_app(settings))
    return result


async def test_browser_korean_template_filled_previewed_confirmed(
    browser: Any, server: TestServer, tmp_path: Path
) -> None:
    context = await browser.new_context(accept_downloads=True)
    page = await context.new_page()
    await page.goto(str(server.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("form button")
    await page.wait_for_load_state()
    await page.goto(str(server.make_url("/organiser/import?lang=ko")))
    assert await page.locator("#import-templates h2").inner_text() == "템플릿"

    files = {}
    for name in ("fair-template.xlsx", "fair.toml"):
        async with page.expect_download() as info:
            await page.click(f"a[data-template='ko/{name}']")
        download = await info.value
        files[name] = tmp_path / download.suggested_filename
        await download.save_as(files[name])
    assert files["fair-template.xlsx"].name == "fair-template-ko.xlsx"
    notes = load_workbook(files["fair-template.xlsx"], read_only=True)
    try:
        assert notes["participants"]["C2"].value == "이 사람의 이름 (필수)"
    finally:
        notes.close()
    fill(files["fair-template.xlsx"])

    await page.set_input_files("input[name='fair.toml']", str(files["fair.toml"]))
    await page.set_input_files("input[name=workbook]", str(files["fair-template.xlsx"]))
    await page.click("form[enctype] button.primary")
    await page.wait_for_selector("#import-preview")
    preview = page.locator("#import-preview")
    assert "미리 보기: 아직 아무것도 저장되지 않았습니다" in await preview.inner_text()
    people = preview.locator("tr[data-kind=participants]")
    assert await people.locator("th").inner_text() == "참가자"
    assert await people.locator("td.new").inner_text() == "4"
    assert await preview.locator("tr[data-kind=requests] td.new").inner_text() == "2"
    assert await preview.locator("tr[data-kind=products] td.new").inner_text() == "1"
    assert await preview.locator("tr[data-kind=companies] td.new").inner_text() == "3"

    await page.click("#import-confirm")
    await page.wait_for_selector("#import-done")
    assert "가져옴" in await page.locator("#import-done h2").inner_text()
    await page.goto(str(server.make_url("/organiser/participants")))
    listing = await page.locator("main").inner_text()
    assert all(name in listing for name in ("고은비", "孙丽", "佐藤健"))
    await context.close()
