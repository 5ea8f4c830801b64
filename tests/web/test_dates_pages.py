"""Hours per date on the participant's availability page and API, and an import's locks
on the organiser's grid (the factory fair: Asia/Shanghai, 27–28 Nov 2026, 09:00–12:00;
de1 works 08:00–18:00 in Berlin, which the grid never meets unless a date says so)."""

from __future__ import annotations

import re
from typing import Any

import pytest

import scheduler.problem as sp
from fair.db import open_database
from fair.scheduling import schedule_fair
from fair.settings import Settings
from tests.factories import csv_bytes, fair_files
from tests.web.conftest import Site
from tests.web.test_api import call
from tests.web.test_import_page import form_of, token_of
from tests.web.test_portal import csrf_of, stored_person

pytestmark = pytest.mark.integration


async def test_availability_page_lists_each_date_in_the_persons_zone(site: Site) -> None:
    await site.sign_in_participant("de1")
    text = await (await site.client.get("/me/availability")).text()
    assert "Hours on each date" in text
    # 09:00–12:00 in Shanghai is 02:00–05:00 the same date in Berlin
    assert 'name="date-2026-11-27"' in text and 'name="date-2026-11-28"' in text
    assert 'name="date-2026-11-26"' not in text
    assert '<option value="usual" selected>' in text


async def test_availability_page_saves_dates_with_csrf(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("de1")
    token = await csrf_of(site, "/me/availability")
    form = [
        ("csrf", token),
        ("windows", "08:00-18:00"),
        ("timezone", "Europe/Berlin"),
        ("date-2026-11-27", "hours"),
        ("hours-2026-11-27", "01:00-03:00 04:00-05:00"),
        ("date-2026-11-28", "away"),
        ("hours-2026-11-28", ""),
    ]
    response = await site.client.post("/me/availability", data=form, allow_redirects=False)
    assert response.status == 302
    assert stored_person(settings, "de1").dates == {
        "2026-11-27": ["01:00-03:00", "04:00-05:00"],
        "2026-11-28": [],
    }
    text = await (await site.client.get("/me/availability")).text()
    assert 'value="01:00-03:00 04:00-05:00"' in text
    assert re.search(r'name="date-2026-11-28">.*?<option value="away" selected>', text, re.S)
    # others keep theirs: kr1 saves, de1's dates stay
    await site.sign_in_participant("kr1")
    token = await csrf_of(site, "/me/availability")
    response = await site.client.post(
        "/me/availability",
        data=[("csrf", token), ("timezone", "Asia/Seoul"), ("date-2026-11-27", "away")],
        allow_redirects=False,
    )
    assert response.status == 302
    assert stored_person(settings, "kr1").dates == {"2026-11-27": []}
    assert stored_person(settings, "de1").dates["2026-11-28"] == []


@pytest.mark.parametrize(
    ("mode", "hours", "message"),
    [
        ("hours", "25:00-26:00", "2026-11-27: &#39;25:00-26:00&#39; is not a window of times"),
        ("hours", "", "2026-11-27: enter the hours, or choose away"),
        ("hours", "01:00-03:00 02:00-04:00", "2026-11-27: window 01:00-03:00 overlaps"),
    ],
)
async def test_availability_page_error_names_the_date(
    site: Site, settings: Settings, mode: str, hours: str, message: str
) -> None:
    await site.sign_in_participant("de1")
    token = await csrf_of(site, "/me/availability")
    response = await site.client.post(
        "/me/availability",
        data=[
            ("csrf", token),
            ("timezone", "Europe/Berlin"),
            ("date-2026-11-27", mode),
            ("hours-2026-11-27", hours),
        ],
    )
    assert response.status == 422
    text = await response.text()
    assert '<span class="field-error" id="err-dates">' + message in text
    assert stored_person(settings, "de1").dates == {}


async def test_availability_page_without_csrf_changes_nothing(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_participant("de1")
    response = await site.client.post(
        "/me/availability", data={"timezone": "Europe/Berlin", "date-2026-11-27": "away"}
    )
    assert response.status == 403
    assert stored_person(settings, "de1").dates == {}


async def test_api_availability_dates_get_and_put(site: Site) -> None:
    await site.sign_in_participant("de1")
    status, data = await call(site, "GET", "/api/me/availability")
    assert status == 200 and data["dates"] == {}
    update = {
        "onsite_days": [],
        "windows": ["08:00-18:00"],
        "timezone": "Europe/Berlin",
        "dates": {"2026-11-27": ["22:00-02:00"], "2026-11-28": []},
    }
    status, data = await call(site, "PUT", "/api/me/availability", json=update)
    assert status == 200
    assert data["dates"] == {"2026-11-27": ["22:00-02:00"], "2026-11-28": []}
    # without "dates" the stored ones stay
    del update["dates"]
    status, data = await call(site, "PUT", "/api/me/availability", json=update)
    assert data["dates"] == {"2026-11-27": ["22:00-02:00"], "2026-11-28": []}


@pytest.mark.parametrize(
    "dates",
    [
        {"2026-12-24": []},
        {"27.11.2026": []},
        {"2026-11-27": ["9-5"]},
        {"2026-11-27": "away"},
        {"2026-11-27": ["away"]},
    ],
)
async def test_api_availability_bad_dates_is_422(site: Site, dates: Any) -> None:
    await site.sign_in_participant("kr1")
    payload = {"onsite_days": [], "windows": [], "timezone": "Asia/Seoul", "dates": dates}
    status, data = await call(site, "PUT", "/api/me/availability", json=payload)
    assert status == 422
    assert data["error"]["field"] == "dates"


async def test_import_locks_show_locked_on_the_grid_and_schedule_keeps_them(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    files = {
        **fair_files(),
        "availability.csv": csv_bytes(
            ("participant", "date", "windows"),
            [{"participant": "de1", "date": "2026-11-27", "windows": "02:00-03:00"}],
        ),
        "locks.csv": csv_bytes(
            ("request", "date", "time", "place"),
            [{"request": "r2", "date": "2026-11-27", "time": "09:30", "place": "online-1"}],
        ),
    }
    response = await site.client.post("/organiser/import", data=form_of(csrf, files))
    page = await response.text()
    assert response.status == 200, page
    assert '<tr data-kind="locks">' in page
    response = await site.client.post(
        "/organiser/import/confirm", data={"csrf": csrf, "token": token_of(page)}
    )
    assert response.status == 200
    text = await (await site.client.get("/organiser/grid?day=1")).text()
    assert re.search(r'data-request="r2" data-place="online-1"[^>]*data-locked="1"', text), text
    assert "Version 2 (draft)" in text
    # the grid's own unlock undoes the import's lock: they are the same thing
    status, _ = await call(site, "POST", "/api/organiser/grid/unlock", json={"request": "r2"})
    assert status == 200
    text = await (await site.client.get("/organiser/grid?day=1")).text()
    assert re.search(r'data-request="r2" data-place="online-1"[^>]*data-locked="0"', text)
    status, _ = await call(site, "POST", "/api/organiser/grid/lock", json={"request": "r2"})
    assert status == 200
    engine = open_database(settings.database_url)
    number, _ = schedule_fair(engine, site.fair_id, sp.Options(time_limit=5, workers=1))
    engine.dispose()
    text = await (await site.client.get(f"/organiser/grid?day=1&version={number}")).text()
    assert re.search(r'data-request="r2" data-place="online-1"[^>]*data-locked="1"', text)


async def test_import_availability_problem_in_the_pages_language(site: Site) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    files = {
        **fair_files(),
        "availability.csv": csv_bytes(
            ("participant", "date", "windows"),
            [{"participant": "zz9", "date": "2026-11-27", "windows": "away"}],
        ),
    }
    response = await site.client.post("/organiser/import?lang=zh", data=form_of(csrf, files))
    assert response.status == 400
    page = await response.text()
    assert "availability.csv" in page and "未知参会者 &#39;zz9&#39;" in page


async def test_availability_page_in_korean(site: Site) -> None:
    await site.sign_in_participant("kr1")
    text = await (await site.client.get("/me/availability?lang=ko")).text()
    assert "날짜별 시간" in text and "평소대로" in text and "부재" in text
