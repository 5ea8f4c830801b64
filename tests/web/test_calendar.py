"""Calendar routes through the real app: the feed's conditional GET, the busy-time upload,
the organiser's fair-wide calendar, e-mails after publishing, and the CLI export."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
from aiohttp import FormData
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import BusyTime
from fair.publishing import publish
from fair.settings import Settings
from tests.fair.test_busy import WEEKLY_SEOUL, ics
from tests.fair.test_ical import next_draft
from tests.mail import Inbox, free_port
from tests.web.conftest import ClientFactory, Site

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


async def test_feed_last_modified_moves_when_content_changes_without_a_version(
    site: Site,
) -> None:
    """A counterpart renamed, a meeting appearing and then vanishing (a colleague added
    to and removed from a request): each moves Last-Modified, so a client polling with
    If-Modified-Since gets the new file, with a higher SEQUENCE."""
    from fair.models import Company, MeetingRequest, Participant, RequestAttendee
    from web.keys import FEED_CACHE

    def poll(headers: dict[str, str]):  # type: ignore[no-untyped-def]
        site.client.app[FEED_CACHE].clear()  # the feed cache lives a minute (docs)
        return site.client.get(path, headers=headers)

    def sequences(text: str) -> dict[str, tuple[int, str]]:
        cal = icalendar.Calendar.from_ical(text)
        return {
            str(e["UID"]): (int(e["SEQUENCE"]), str(e["STATUS"]))
            for e in cal.walk("VEVENT")
            if "roadshow" not in str(e["UID"])
        }

    from fair import notify

    engine = open_database(site.client.app[_settings_key()].database_url)
    # The site was published without the publication's e-mails: record its calendars
    # as the publication would have (nothing new to tell).
    assert (
        notify.queue_calendar_changes(engine, site.fair_id, site.client.app[_settings_key()]) == []
    )
    path = await feed_path(site, "kr1")
    first = await poll({})
    old = sequences(await first.text())
    assert (await poll({"If-Modified-Since": first.headers["Last-Modified"]})).status == 304
    with session_scope(engine) as session:
        r1 = session.exec(select(MeetingRequest).where(MeetingRequest.key == "r1")).one()
        cn1 = session.exec(select(Participant).where(Participant.key == "cn1")).one()
        company = session.get(Company, cn1.company_id)
        assert company is not None
        company.name = "Renamed Trading Co"
        session.add(company)
    renamed = await poll({"If-Modified-Since": first.headers["Last-Modified"]})
    assert renamed.status == 200
    assert renamed.headers["Last-Modified"] != first.headers["Last-Modified"]
    text = await renamed.text()
    assert "Renamed Trading Co" in text
    uid = f"{r1.uid}@fair"
    assert sequences(text)[uid] == (old[uid][0] + 1, "CONFIRMED")
    assert (await poll({"If-Modified-Since": renamed.headers["Last-Modified"]})).status == 304

    path = await feed_path(site, "de1")
    before = await poll({})
    assert uid not in sequences(await before.text())
    with session_scope(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        session.add(RequestAttendee(request_id=r1.id, participant_id=de1.id, side="from"))
    added = await poll({"If-Modified-Since": before.headers["Last-Modified"]})
    assert added.status == 200 and sequences(await added.text())[uid][1] == "CONFIRMED"
    with session_scope(engine) as session:
        row = session.exec(
            select(RequestAttendee).where(RequestAttendee.participant_id == de1.id)
        ).one()
        session.delete(row)
    gone = await poll({"If-Modified-Since": added.headers["Last-Modified"]})
    assert gone.status == 200
    assert gone.headers["Last-Modified"] != added.headers["Last-Modified"]
    assert sequences(await gone.text())[uid][1] == "CANCELLED"
    engine.dispose()
    # The feeds told the people affected: de1 the invitation and then the CANCEL, kr1
    # and cn1 an update each time (the rename, the attendee added and removed).
    told: dict[str, list[str]] = {}
    for m in outbox_messages(site.client.app[_settings_key()]):
        address = str(m["To"]).rsplit("<", 1)[-1].rstrip(">")
        for part in m.iter_attachments():
            method = str(icalendar.Calendar.from_ical(part.get_payload(decode=True))["METHOD"])
            told.setdefault(address, []).append(method)
    assert told[de1.email] == ["REQUEST", "CANCEL"]
    assert told[cn1.email] == ["REQUEST", "REQUEST", "REQUEST"]


def _with_colleague(colleague: str | None) -> dict[str, bytes]:
    """The site's import files with `colleague` (a participant key) on r1's "to" side."""
    from tests.factories import (
        FAIR_TOML,
        PARTICIPANT_HEADER,
        PARTICIPANTS,
        REQUEST_HEADER,
        REQUESTS,
        csv_bytes,
    )

    requests = [
        {**r, "with_to": colleague if colleague and r["id"] == "r1" else ""} for r in REQUESTS
    ]
    return {
        "fair.toml": FAIR_TOML.encode("utf-8"),
        "participants.csv": csv_bytes(PARTICIPANT_HEADER, PARTICIPANTS),
        "requests.csv": csv_bytes((*REQUEST_HEADER, "with_to"), requests),
    }


def _told(settings: Settings) -> dict[str, list[str]]:
    """Queued messages: recipient address → METHODs, oldest first; the queue is emptied."""
    told: dict[str, list[str]] = {}
    for path in sorted(Path(settings.smtp_outbox).glob("*.eml")):
        m = message_from_bytes(path.read_bytes(), policy=policy.default)
        address = str(m["To"]).rsplit("<", 1)[-1].rstrip(">")
        for part in m.iter_attachments():  # type: ignore[attr-defined]
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            told.setdefault(address, []).append(str(cal["METHOD"]))
        path.unlink()
    return told


async def test_console_import_that_changes_attendees_mails_the_people_affected(
    site: Site, settings: Settings
) -> None:
    """The organiser's import page, once the import is confirmed, records the calendars
    it changed and queues their iTIP messages: kr2 added to r1 gets an invitation, the
    others on r1 an update. The preview before it wrote nothing and mails no one."""
    from fair import notify
    from fair.models import Participant

    engine = open_database(settings.database_url)
    assert notify.queue_calendar_changes(engine, site.fair_id, settings) == []  # recorded
    with Session(engine) as session:
        email = {p.key: p.email for p in session.exec(select(Participant))}
    engine.dispose()
    await site.sign_in_organiser()
    form = FormData()
    form.add_field("csrf", await site.csrf())
    for name, data in _with_colleague("kr2").items():
        form.add_field(name, data, filename=name)
    response = await site.client.post("/organiser/import", data=form)
    page = await response.text()
    assert response.status == 200, page
    assert not list(Path(settings.smtp_outbox).glob("*.eml"))  # a preview: no task started
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    response = await site.client.post(
        "/organiser/import/confirm", data={"csrf": await site.csrf(), "token": token}
    )
    assert response.status == 200, await response.text()
    await wait_for(lambda: len(list(Path(settings.smtp_outbox).glob("*.eml"))) >= 3)
    await asyncio.sleep(0.2)  # the same background task writes them one after another
    told = _told(settings)
    assert told[email["kr2"]] == ["REQUEST"]
    assert told[email["kr1"]] == ["REQUEST"] and told[email["cn1"]] == ["REQUEST"]


def test_cli_import_that_removes_a_colleague_mails_cancel(
    tmp_path: Path,
    published_fair: tuple[int, dict[str, str]],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fair import notify
    from fair.models import Participant
    from web.cli import main

    engine = open_database(settings.database_url)
    import_files(engine, _with_colleague("kr2"))
    notify.queue_calendar_changes(engine, published_fair[0], settings)
    _told(settings)
    with Session(engine) as session:
        email = {p.key: p.email for p in session.exec(select(Participant))}
    engine.dispose()
    folder = tmp_path / "files"
    folder.mkdir()
    for name, data in _with_colleague(None).items():
        (folder / name).write_bytes(data)
    monkeypatch.setenv("FAIR_SMTP_OUTBOX", settings.smtp_outbox)
    assert main(["import", str(folder), "--dry-run", "--db", settings.database_url]) == 0
    assert _told(settings) == {}  # a dry run wrote nothing, so it mails no one
    assert main(["import", str(folder), "--db", settings.database_url]) == 0
    told = _told(settings)
    assert told[email["kr2"]] == ["CANCEL"]
    assert told[email["kr1"]] == ["REQUEST"]


async def test_server_shutdown_kills_a_busy_upload_reader(
    aiohttp_client: ClientFactory, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> None:
    from dataclasses import replace

    from fair import busy
    from tests.fair.test_busy_budget import ENDLESS, bomb
    from web.app import create_app

    client = await aiohttp_client(create_app(replace(settings, calendar_upload_seconds=300)))
    site = Site(client=client, tokens=published_fair[1], fair_id=published_fair[0])
    await site.sign_in_participant("kr1")
    csrf = await participant_csrf(site)
    pending = asyncio.create_task(upload(site, ics(bomb(ENDLESS)), csrf))
    while not busy._workers:
        await asyncio.sleep(0.01)
    (worker,) = busy._workers
    await client.close()  # shutdown: on_shutdown kills the worker, the handler ends
    assert worker.returncode is not None
    with contextlib.suppress(Exception):
        await pending


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


async def test_busy_upload_endless_rule_is_refused_while_the_server_answers(
    aiohttp_client: ClientFactory, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> None:
    """The upload's reader runs in a worker process under `calendar.upload_seconds`: the
    server answers other requests meanwhile, then refuses the file naming the event."""
    from dataclasses import replace

    from fair import busy
    from tests.fair.test_busy_budget import ENDLESS, bomb
    from web.app import create_app

    client = await aiohttp_client(create_app(replace(settings, calendar_upload_seconds=6)))
    site = Site(client=client, tokens=published_fair[1], fair_id=published_fair[0])
    await site.sign_in_participant("kr1")
    csrf = await participant_csrf(site)
    await upload(site, ics(WEEKLY_SEOUL), csrf)
    pending = asyncio.create_task(upload(site, ics(WEEKLY_SEOUL, bomb(ENDLESS)), csrf))
    while not busy._workers:
        await asyncio.sleep(0.01)
    for _ in range(3):  # pages that read the database while the file is being read
        page = await site.client.get("/me/busy")
        assert page.status == 200
        assert "Fri 27 Nov 10:00–11:00" in await page.text()
    assert not pending.done()
    status, text = await pending
    assert status == 400, text[:3000]
    assert (
        "event UID &#39;bomb&#39; &#39;Bomb&#39;: reading it takes longer than the budget of 6 s"
        in text
    )
    assert "Fri 27 Nov 10:00–11:00" in text  # the earlier import is still there


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


def test_cli_export_ics_honours_version(
    tmp_path: Path, published_fair: tuple[int, dict[str, str]], settings: Settings
) -> None:
    """`--version N` exports version N's meetings, not the published version's."""
    from web.cli import main

    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        publish(session, published_fair[0], next_draft(session, published_fair[0], move="r1"))
    engine.dispose()
    db = ["--db", settings.database_url]

    def starts(*args: str) -> dict[str, tuple[object, int]]:
        out = tmp_path / "out.ics"
        assert main(["export", "ics", *args, "-o", str(out), *db]) == 0
        events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
        return {
            str(e["UID"]): (e.decoded("DTSTART"), int(e["SEQUENCE"]))
            for e in events
            if "roadshow" not in str(e["UID"])
        }

    first, second = starts("--participant", "kr1", "--version", "1"), starts("--participant", "kr1")
    assert starts("--participant", "kr1", "--version", "2") == second
    moved = [uid for uid in first if first[uid][0] != second[uid][0]]
    assert len(moved) == 1
    (uid,) = moved
    assert second[uid][0] - first[uid][0] == timedelta(days=1)  # type: ignore[operator]
    assert (first[uid][1], second[uid][1]) == (0, 1)
    fair_first, fair_second = starts("--fair-wide", "--version", "1"), starts("--fair-wide")
    assert fair_first != fair_second and set(fair_first) == set(fair_second)
    out = tmp_path / "none.ics"
    assert (
        main(["export", "ics", "--participant", "kr1", "--version", "9", "-o", str(out), *db]) == 1
    )


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


def test_cli_invite_by_country_then_resend(
    published_fair: tuple[int, dict[str, str]],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`fair invite --country KR` invites the Korean participants once; `--resend ID`
    invites one again with a new link. No SMTP host: the messages wait in the outbox."""
    from fair import notify
    from web.cli import main

    monkeypatch.setenv("FAIR_SMTP_OUTBOX", settings.smtp_outbox)

    db = ["--db", settings.database_url]
    outbox = notify.Outbox(settings.smtp_outbox)
    assert main(["invite", "--country", "KR", *db]) == 0
    assert "invited 2 participant(s)" in capsys.readouterr().out
    assert main(["invite", "--country", "KR", *db]) == 0
    assert "invited 0 participant(s)" in capsys.readouterr().out
    assert len(outbox.pending()) == 2
    assert main(["invite", "--resend", "kr1", *db]) == 0
    assert "invited 1 participant(s)" in capsys.readouterr().out
    assert len(outbox.pending()) == 3
    assert main(["invite", "--role", "visitor", *db]) == 1
