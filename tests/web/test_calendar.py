"""Calendar routes through the real app: the feed's conditional GET, the busy-time upload,
the organiser's fair-wide calendar, e-mails after publishing, and the CLI export."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
from aiohttp import FormData
from aiosmtpd.controller import Controller
from sqlmodel import select

from fair.db import open_database, session_scope
from fair.models import BusyTime
from fair.publishing import publish
from fair.settings import Settings
from tests.fair.test_busy import WEEKLY_SEOUL, ics
from tests.fair.test_ical import next_draft
from tests.fair.test_notify import Inbox, free_port
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shared site, with its outbox in the test's folder."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
    )


async def participant_csrf(site: Site) -> str:
    page = await (await site.client.get("/me")).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


async def feed_path(site: Site, key: str) -> str:
    await site.sign_in_participant(key)
    made = await (
        await site.client.post("/me/feed", data={"csrf": await participant_csrf(site)})
    ).text()
    link = re.search(r'value="http://[^/]+(/feed/[^"]+\.ics)"', made)
    assert link
    return link.group(1)


async def wait_for(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def outbox_messages(settings: Settings) -> list[EmailMessage]:
    out = []
    for path in sorted(Path(settings.smtp_outbox).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        out.append(message)
    return out


# ---------------------------------------------------------------------------- feed


async def test_feed_answers_etag_and_if_modified_since_with_304(site: Site) -> None:
    path = await feed_path(site, "kr1")
    first = await site.client.get(path)
    assert first.status == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = await first.read()
    assert b"METHOD:PUBLISH\r\n" in body and b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    modified = first.headers["Last-Modified"]
    assert modified.endswith(" GMT")
    again = await site.client.get(path)
    assert await again.read() == body and again.headers["ETag"] == first.headers["ETag"]
    by_date = await site.client.get(path, headers={"If-Modified-Since": modified})
    assert by_date.status == 304 and await by_date.read() == b""
    older = await site.client.get(
        path, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}
    )
    assert older.status == 200
    # A re-solve that moves kr1's meeting changes the ETag and the body.
    engine = open_database(site.client.app[_settings_key()].database_url)
    with session_scope(engine) as session:
        publish(session, site.fair_id, next_draft(session, site.fair_id, move="r1"))
    engine.dispose()
    changed = await site.client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert b"SEQUENCE:1" in await changed.read()


def _settings_key():  # type: ignore[no-untyped-def]
    from web.keys import SETTINGS

    return SETTINGS


# ---------------------------------------------------------------------------- busy times


async def upload(site: Site, data: bytes, csrf: str) -> tuple[int, str]:
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", data, filename="mine.ics", content_type="text/calendar")
    response = await site.client.post("/me/busy", data=form)
    return response.status, await response.text()


async def test_busy_upload_stores_and_lists_in_own_zone(site: Site) -> None:
    await site.sign_in_participant("kr1")
    page = await (await site.client.get("/me")).text()
    assert 'href="/me/busy"' in page
    status, text = await upload(site, ics(WEEKLY_SEOUL), await participant_csrf(site))
    assert status == 200, text
    assert "Imported 1 busy times" in text
    assert "Fri 27 Nov 10:00–11:00" in text  # Seoul time


async def test_busy_upload_hostile_file_is_refused_and_changes_nothing(site: Site) -> None:
    await site.sign_in_participant("kr1")
    csrf = await participant_csrf(site)
    await upload(site, ics(WEEKLY_SEOUL), csrf)
    status, text = await upload(site, ics(WEEKLY_SEOUL.replace("Asia/Seoul", "Asia/Qingdao")), csrf)
    assert status == 400
    assert "Nothing was changed" in text and "unknown time zone &#39;Asia/Qingdao&#39;" in text
    assert "Fri 27 Nov 10:00–11:00" in text  # the earlier import is still there
    status, text = await upload(site, b"\xff\xfe" + "日本".encode("utf-16-le"), csrf)
    assert status == 400 and "not UTF-8" in text


async def test_busy_upload_without_csrf_is_refused(site: Site) -> None:
    await site.sign_in_participant("kr1")
    status, _ = await upload(site, ics(WEEKLY_SEOUL), "wrong")
    assert status == 403
    engine = open_database(site.client.app[_settings_key()].database_url)
    with session_scope(engine) as session:
        assert session.exec(select(BusyTime)).all() == []
    engine.dispose()


# ---------------------------------------------------------------------------- organiser


async def test_organiser_calendar_all_and_one_booth(site: Site) -> None:
    await site.sign_in_organiser()
    response = await site.client.get("/organiser/calendar.ics")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = icalendar.Calendar.from_ical(await response.read()).walk("VEVENT")
    assert events
    booth = await site.client.get("/organiser/calendar.ics?place=KR-B01")
    booth_events = icalendar.Calendar.from_ical(await booth.read()).walk("VEVENT")
    assert booth_events and all("KR-B01" in str(e["LOCATION"]) for e in booth_events)
    assert (await site.client.get("/organiser/calendar.ics?place=NOPE")).status == 404


async def test_organiser_calendar_is_not_for_participants(site: Site) -> None:
    await site.sign_in_participant("kr1")
    response = await site.client.get("/organiser/calendar.ics", allow_redirects=False)
    assert response.status == 403


async def test_publishing_queues_mail_for_changed_participants_only(
    site: Site, settings: Settings
) -> None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        number = next_draft(session, site.fair_id, move="r1")
    engine.dispose()
    await site.sign_in_organiser()
    response = await site.client.post(
        f"/organiser/versions/{number}/publish",
        data={"csrf": await site.csrf()},
        allow_redirects=False,
    )
    assert response.status == 302
    await wait_for(lambda: len(outbox_messages(settings)) == 3)
    to = sorted(m["To"].addresses[0].addr_spec for m in outbox_messages(settings))
    # r1: cn1 asked kr1, with the interpreter int1; de1 and kr2 are untouched.
    assert to == ["jihye@lang.example", "minjun@busan-marine.example", "wangwei@hairun.example"]
    for message in outbox_messages(settings):
        (part,) = list(message.iter_attachments())
        assert part.get_param("method") == "REQUEST"


async def test_email_link_goes_out_through_smtp_worker(
    aiohttp_client,  # type: ignore[no-untyped-def]
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
) -> None:
    from dataclasses import replace

    from tests.web.conftest import Site as SiteType
    from web.app import create_app

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_settings = replace(
            settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False
        )
        client = await aiohttp_client(create_app(smtp_settings))
        site = SiteType(client=client, tokens=published_fair[1], fair_id=published_fair[0])
        await site.sign_in_organiser()
        response = await client.post(
            "/organiser/participants/kr1/email-link", data={"csrf": await site.csrf()}
        )
        assert response.status == 200
        assert "on its way" in await response.text()
        await wait_for(lambda: len(inbox.messages) == 1)
        (rcpts, message) = inbox.messages[0]
        assert rcpts == ["minjun@busan-marine.example"]
        link = re.search(r"/p/([\w-]+)", message.get_body(("plain",)).get_content())
        assert link
        site.tokens["kr1-new"] = link.group(1)
        await site.sign_in_participant("kr1-new")  # the organiser's browser: asked first
        assert (await client.get(f"/p/{site.tokens['kr1']}")).status == 403  # old link
    finally:
        controller.stop()


# ---------------------------------------------------------------------------- CLI


def test_cli_exports_fair_wide_calendar_for_one_place(
    tmp_path: Path, published_fair: tuple[int, dict[str, str]], settings: Settings
) -> None:
    from web.cli import main

    out = tmp_path / "booth.ics"
    db = ["--db", settings.database_url]
    assert main(["export", "ics", "--fair-wide", "--place", "KR-B01", "-o", str(out), *db]) == 0
    text = out.read_bytes()
    assert text.startswith(b"BEGIN:VCALENDAR\r\n")
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert events and all("KR-B01" in str(e["LOCATION"]) for e in events)
    assert main(["export", "ics", *db]) == 1


def test_cli_exports_the_reports(
    tmp_path: Path, published_fair: tuple[int, dict[str, str]], settings: Settings
) -> None:
    import csv
    import json

    from fair.report import COMPANY_COLUMNS
    from web.cli import main

    db = ["--db", settings.database_url]
    out = tmp_path / "companies.csv"
    assert main(["export", "companies", "-o", str(out), *db]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # as downloaded: for spreadsheets
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COMPANY_COLUMNS) and len(rows) >= 4
    assert main(["export", "deals", "--format", "json", "-o", str(out), *db]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == []  # no deal yet
