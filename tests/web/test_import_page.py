"""The import page: templates, .xlsx and CSV uploads, errors in the page's language, and
the preview that nothing is written before the organiser confirms (`docs/import.md`)."""

from __future__ import annotations

import asyncio
import copy
import io
from typing import Any

import pytest
from aiohttp import FormData
from openpyxl import load_workbook

from fair.export import to_workbook
from tests.factories import PARTICIPANTS, REQUEST_HEADER, REQUESTS, csv_bytes, fair_files
from tests.web.conftest import Site

PRODUCTS_CSV = (
    "id,company,name,price_min,price_max\r\n"
    "p1,부산해양식품 주식회사,조미김,2.5,4\r\n"
    "p2,부산해양식품 주식회사,냉동 오징어,9,7\r\n"
)


def form_of(csrf: str, files: dict[str, bytes], encoding: str = "auto") -> FormData:
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("encoding", encoding)
    for name, data in files.items():
        field = "workbook" if name.endswith(".xlsx") else name
        form.add_field(field, data, filename=name)
    return form


def token_of(page: str) -> str:
    return page.split('name="token" value="', 1)[1].split('"', 1)[0]


async def participant_names(site: Site) -> str:
    return await (await site.client.get("/organiser/participants?lang=en")).text()


def bad_participant() -> dict[str, bytes]:
    people = copy.deepcopy(PARTICIPANTS)
    people[3]["timezone"] = "Europe/Bonn"
    return fair_files(participants=people)


def bad_request() -> dict[str, bytes]:
    requests = copy.deepcopy(REQUESTS)
    requests[1]["priority"] = "9"
    return fair_files(requests=requests)


def bad_product() -> dict[str, bytes]:
    return {**fair_files(), "products.csv": PRODUCTS_CSV.encode("cp949")}


# kind: (files, (file, row, column), the problem in zh, ko, ja)
BAD_ROWS = {
    "participants": (
        bad_participant,
        ("participants.csv", "5", "timezone"),
        {
            "zh": "未知的时区 &#39;Europe/Bonn&#39;",
            "ko": "알 수 없는 시간대 &#39;Europe/Bonn&#39;",
            "ja": "不明なタイムゾーン &#39;Europe/Bonn&#39;",
        },
    ),
    "requests": (
        bad_request,
        ("requests.csv", "3", "priority"),
        {
            "zh": "9 超出范围（1–5）",
            "ko": "9은(는) 범위(1–5)를 벗어났습니다",
            "ja": "9 は範囲外です（1–5）",
        },
    ),
    "products": (
        bad_product,
        ("products.csv", "3", "price_max"),
        {
            "zh": "低于 price_min",
            "ko": "price_min보다 낮습니다",
            "ja": "price_min を下回っています",
        },
    ),
}


@pytest.mark.parametrize("lang", ["zh", "ko", "ja"])
@pytest.mark.parametrize("kind", list(BAD_ROWS))
@pytest.mark.parametrize("as_xlsx", [False, True], ids=["csv", "xlsx"])
async def test_bad_row_is_named_in_the_page_language_and_nothing_is_written(
    site: Site, lang: str, kind: str, as_xlsx: bool
) -> None:
    make, (file, row, column), messages = BAD_ROWS[kind]
    files = make()
    if as_xlsx:
        decoded = {n: r.decode("cp949") if n == "products.csv" else r for n, r in files.items()}
        csvs = {n: r.encode("utf-8") if isinstance(r, str) else r for n, r in decoded.items()}
        files = {"fair.toml": files["fair.toml"], "fair.xlsx": to_workbook(csvs)}
        file = f"[fair.xlsx]{file.removesuffix('.csv')}"
    await site.sign_in_organiser()
    before = await participant_names(site)
    csrf = await site.csrf()
    response = await site.client.post(f"/organiser/import?lang={lang}", data=form_of(csrf, files))
    assert response.status == 400
    page = await response.text()
    expected = f"<tr><td>{file}</td><td>{row}</td><td><code>{column}</code></td><td>"
    assert expected + messages[lang] in page
    assert 'id="import-preview"' not in page
    assert await participant_names(site) == before


@pytest.fixture(params=["thread", "worker"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small uploads are read in a database thread; large ones in a worker process (here
    every upload is large): the pages are the same either way."""
    from web import console

    if request.param == "worker":
        monkeypatch.setattr(console, "WORKER_BYTES", 0)
    return str(request.param)


async def test_preview_then_confirm_writes_what_it_showed(site: Site, reading: str) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    people = copy.deepcopy(PARTICIPANTS)
    people[1]["name"] = "이서연 (팀장)"
    people.append(dict(people[3], id="de2", name="Jonas Weber", email="jonas@hanse.example"))
    files = fair_files(participants=people)
    files["participants.csv"] = files["participants.csv"].decode().encode("utf-16")
    response = await site.client.post("/organiser/import?lang=ko", data=form_of(csrf, files))
    assert response.status == 200, await response.text()
    page = await response.text()
    assert "미리 보기: 아직 아무것도 저장되지 않았습니다" in page
    row = '<tr data-kind="participants"><th scope="row">참가자</th>'
    assert (
        row + '<td class="new">1</td><td class="updated">1</td><td class="unchanged">4</td>' in page
    )
    assert "<code>participants.csv</code> (utf-16)" in page
    assert "Jonas Weber" not in await participant_names(site)
    response = await site.client.post(
        "/organiser/import/confirm?lang=ko", data={"csrf": csrf, "token": token_of(page)}
    )
    assert response.status == 200
    done = await response.text()
    assert 'id="import-done"' in done
    assert (
        row + '<td class="new">1</td><td class="updated">1</td><td class="unchanged">4</td>' in done
    )
    names = await participant_names(site)
    assert "Jonas Weber" in names and "이서연 (팀장)" in names
    again = await site.client.post(
        "/organiser/import/confirm", data={"csrf": csrf, "token": token_of(page)}
    )
    assert again.status == 410  # used up


async def test_confirm_after_the_data_changed_is_refused_with_a_new_preview(
    site: Site, reading: str
) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    people = copy.deepcopy(PARTICIPANTS)
    people[0]["name"] = "김민준 대표"
    first = await site.client.post(
        "/organiser/import", data=form_of(csrf, fair_files(participants=people))
    )
    token = token_of(await first.text())
    # Meanwhile the same change lands by another import: the preview no longer holds.
    other = await site.client.post(
        "/organiser/import", data=form_of(csrf, fair_files(participants=people))
    )
    done = await site.client.post(
        "/organiser/import/confirm", data={"csrf": csrf, "token": token_of(await other.text())}
    )
    assert done.status == 200
    response = await site.client.post(
        "/organiser/import/confirm?lang=ja", data={"csrf": csrf, "token": token}
    )
    assert response.status == 409
    page = await response.text()
    assert "プレビューの後にデータが変わったため" in page
    assert '<td class="new">0</td><td class="updated">0</td><td class="unchanged">5</td>' in page
    assert token_of(page) == token  # the same token now confirms the new preview
    response = await site.client.post(
        "/organiser/import/confirm", data={"csrf": csrf, "token": token}
    )
    assert response.status == 200


async def test_chosen_encoding_reads_a_file_detection_finds_ambiguous(site: Site) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    files = fair_files()
    odd = b"\x8d\xbf\x84\xf3"  # as likely Chinese as Korean
    files["products.csv"] = b"id,company,name\r\np1,Hanse Feinkost GmbH," + odd + b"\r\n"
    response = await site.client.post("/organiser/import?lang=zh", data=form_of(csrf, files))
    assert response.status == 400
    assert "无法确定编码（可读作 gb18030, cp949）" in await response.text()
    response = await site.client.post(
        "/organiser/import?lang=en", data=form_of(csrf, files, encoding="cp949")
    )
    assert response.status == 200
    assert '<tr data-kind="products"><th scope="row">products</th><td class="new">1</td>' in (
        await response.text()
    )


@pytest.mark.parametrize(("lang", "note"), [("ko", "사람의 이름"), ("zh", "此人的姓名")])
async def test_template_workbook_in_a_language(site: Site, lang: str, note: str) -> None:
    await site.sign_in_organiser()
    page = await (await site.client.get(f"/organiser/import?lang={lang}")).text()
    assert f'data-template="{lang}/fair-template.xlsx"' in page
    response = await site.client.get(f"/organiser/import/templates/{lang}/fair-template.xlsx")
    assert response.status == 200
    assert f'filename="fair-template-{lang}.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()), read_only=True)
    try:
        assert book.sheetnames == ["participants", "requests", "products", "availability", "locks"]
        rows = list(book["participants"].iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[0][:3] == ("id", "company", "name")
    assert str(rows[1][0]).startswith("# ") and note in str(rows[1][2])
    response = await site.client.get(f"/organiser/import/templates/{lang}/requests.csv")
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf" + ",".join(REQUEST_HEADER[:3]).encode())
    assert (await site.client.get("/organiser/import/templates/fr/fair.toml")).status == 404


async def test_requests_with_colleagues_from_xlsx(site: Site) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    requests = copy.deepcopy(REQUESTS)
    requests[1]["with_to"] = "kr2"
    files = fair_files()
    files["requests.csv"] = csv_bytes((*REQUEST_HEADER, "with_to"), requests)
    book = {"fair.toml": files["fair.toml"], "fair.xlsx": to_workbook(files)}
    response = await site.client.post("/organiser/import", data=form_of(csrf, book))
    page = await response.text()
    assert '<tr data-kind="requests"><th scope="row">requests</th>' in page
    assert '<td class="new">0</td><td class="updated">1</td><td class="unchanged">2</td>' in page


async def test_a_long_import_makes_page_writes_wait_not_fail(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite an import holds the one write lock for as long as it writes (90 s for
    36 MB); a page's save meanwhile spun for SQLite's 10 s busy timeout and was a 503
    (issue 18, item 7). Writes now take turns: the save waits for the import and is
    stored."""
    import time

    import aiohttp

    from fair import loader

    real = loader.load

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        time.sleep(11)  # the write lock is held past the busy timeout
        return found

    monkeypatch.setattr(loader, "load", slow_load)
    await site.sign_in_organiser()
    csrf = await site.csrf()
    importing = asyncio.ensure_future(
        site.client.post("/organiser/import", data=form_of(csrf, fair_files()))
    )
    await asyncio.sleep(1.0)  # the import is writing
    base = str(site.client.make_url("/")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await http.get(f"{base}/p/{site.tokens['kr1']}")
        page = await (await http.get(f"{base}/me")).text()
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        saved = await http.post(f"{base}/me/feed", data={"csrf": token})
        assert saved.status == 200, await saved.text()
        assert "webcal://" in await saved.text()
    assert (await importing).status == 200


async def test_a_rejected_upload_read_in_a_worker_names_its_row(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal crosses from the worker process whole: every problem, row and column."""
    from web import console

    monkeypatch.setattr(console, "WORKER_BYTES", 0)
    make, (file, row, column), messages = BAD_ROWS[next(iter(BAD_ROWS))]
    await site.sign_in_organiser()
    csrf = await site.csrf()
    response = await site.client.post("/organiser/import?lang=ko", data=form_of(csrf, make()))
    assert response.status == 400
    expected = f"<tr><td>{file}</td><td>{row}</td><td><code>{column}</code></td><td>"
    assert expected + messages["ko"] in await response.text()
