"""The organiser's control room page: rooms running now with presence and a link to
observe each, the filters, the live refresh's partial, and announcements (stored,
listed, refused with the reason)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from fair.db import open_database, session_scope
from fair.models import Announcement, Meeting, MeetingRequest, Pavilion, PlaceKind
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


def running_now(settings: Settings) -> str:
    """Move meeting r1 (cn1 → kr1) online, started a minute ago; its room's uid."""
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        meeting, request = session.exec(
            select(Meeting, MeetingRequest)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(MeetingRequest.key == "r1")
        ).one()
        meeting.place_kind = PlaceKind.ONLINE
        meeting.booth_id = meeting.table_id = None
        meeting.start = datetime.now(UTC) - timedelta(minutes=1)
        meeting.end = meeting.start + timedelta(minutes=30)
        session.add(meeting)
        uid = request.uid
    engine.dispose()
    return uid


def korea(settings: Settings) -> int:
    engine = open_database(settings.database_url)
    with Session(engine) as session:
        pavilion_id = session.exec(select(Pavilion.id).where(Pavilion.key == "KR")).one()
    engine.dispose()
    assert pavilion_id is not None
    return pavilion_id


async def text_of(site: Site, path: str, status: int = 200) -> str:
    response = await site.client.get(path)
    assert response.status == status, path
    return html.unescape(await response.text())


async def test_control_room_lists_running_rooms_for_organiser(
    site: Site, settings: Settings
) -> None:
    uid = running_now(settings)
    await site.sign_in_organiser()
    page = await text_of(site, "/organiser/control")
    assert f'href="/rooms/{uid}"' in page  # observe the room
    assert "Nobody in yet" in page and "not yet" in page
    assert "Korea Pavilion" in page and "China, South Korea" in page  # countries by name
    assert '<a href="/organiser/control">Control room</a>' in page  # in the console nav
    assert f'value="meeting:{uid}"' in page  # the room is an announcement target


async def test_control_room_refused_for_participant(site: Site) -> None:
    await site.sign_in_participant("kr1")
    response = await site.client.get("/organiser/control", allow_redirects=False)
    assert response.status == 403


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("country=CN", True),
        ("country=DE", False),
        ("status=empty", True),
        ("status=in", False),
        ("pavilion={korea}", True),
        ("pavilion=999999", False),
    ],
)
async def test_control_room_filters_by_pavilion_country_status(
    site: Site, settings: Settings, query: str, shown: bool
) -> None:
    uid = running_now(settings)
    await site.sign_in_organiser()
    page = await text_of(site, "/organiser/control?" + query.format(korea=korea(settings)))
    assert (f'data-uid="{uid}"' in page) is shown
    assert ("No meeting is running or about to start." in page) is not shown


@pytest.mark.parametrize("path", ["/organiser/control", "/organiser/control/rooms"])
async def test_control_room_odd_pavilion_filter_is_no_filter(site: Site, path: str) -> None:
    """A "²" is a digit to str.isdigit but not to int(): it used to be a 500."""
    await site.sign_in_organiser()
    for odd in ("²", "-1", "1e3", " 1"):
        response = await site.client.get(path, params={"pavilion": odd})
        assert response.status == 200, odd


async def test_control_rooms_partial_for_live_refresh(site: Site, settings: Settings) -> None:
    uid = running_now(settings)
    await site.sign_in_organiser()
    response = await site.client.get("/organiser/control/rooms?status=empty")
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    fragment = await response.text()
    assert f'data-uid="{uid}"' in fragment and "<html" not in fragment


async def test_control_announce_stored_and_listed(site: Site, settings: Settings) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    response = await site.client.post(
        "/organiser/control/announce",
        data={"csrf": csrf, "to": f"pavilion:{korea(settings)}", "text": "Hall B closes at 18:00"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/organiser/control?sent=1"
    page = await text_of(site, "/organiser/control?sent=1")
    assert "Announcement sent." in page
    sent = page.split('id="announcements"')[1]
    assert "Hall B closes at 18:00" in sent and "Pavilion · Korea Pavilion" in sent


@pytest.mark.parametrize(
    ("to", "text", "reason"),
    [
        ("fair", "   ", "text: 1–500 characters"),
        ("fair", "x" * 501, "text: 1–500 characters"),
        ("pavilion:999999", "hi", "pavilion: choose one of the fair's pavilions"),
        ("pavilion:" + "9" * 30, "hi", "pavilion: choose one of the fair's pavilions"),
        ("meeting:nope", "hi", "meeting: no such meeting in the published schedule"),
        ("everyone", "hi", "scope: fair, pavilion or meeting"),
    ],
)
async def test_control_announce_refused_with_reason(
    site: Site, settings: Settings, to: str, text: str, reason: str
) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    response = await site.client.post(
        "/organiser/control/announce", data={"csrf": csrf, "to": to, "text": text}
    )
    assert response.status == 400
    page = html.unescape(await response.text())
    assert re.search(r'id="announce-error">' + re.escape(reason), page)
    engine = open_database(settings.database_url)
    with Session(engine) as session:
        assert session.exec(select(Announcement)).all() == []
    engine.dispose()


async def test_control_cancel_and_offer_need_the_organiser_and_say_why(
    site: Site, settings: Settings
) -> None:
    uid = running_now(settings)
    await site.sign_in_organiser()
    csrf = await site.csrf()
    response = await site.client.post(
        "/organiser/control/offer", data={"csrf": csrf, "offer": "99"}, allow_redirects=False
    )
    assert response.status == 404 and "no such offer" in await response.text()
    response = await site.client.post(
        "/organiser/control/cancel", data={"csrf": csrf, "uid": uid}, allow_redirects=False
    )
    assert response.status == 303
    page = await text_of(site, "/organiser/control?done=cancelled")
    assert "Meeting cancelled; its slot is offered" in page
    assert "Freed slots" in page and "No waiting pair can use this slot now." in page
    response = await site.client.post(
        "/organiser/control/cancel", data={"csrf": csrf, "uid": uid}, allow_redirects=False
    )
    assert response.status == 409 and "already cancelled" in await response.text()

    await site.sign_in_participant("cn1")
    found = re.search(r'name="csrf" value="([^"]+)"', await text_of(site, "/me"))
    assert found
    for path, data in (("cancel", {"uid": uid}), ("offer", {"offer": "1"})):
        response = await site.client.post(
            f"/organiser/control/{path}",
            data={"csrf": found.group(1), **data},
            allow_redirects=False,
        )
        assert response.status in (302, 403), path  # to the sign-in, never done
