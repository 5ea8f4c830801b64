"""The participant portal's request and availability pages, through the aiohttp client.

The fair of tests/factories.py: de1 (Hanse Feinkost) has a pending request to kr2 and an
accepted one to kr1; kr1 and kr2 are colleagues; cn1 is another buyer.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from fair.db import open_database, session_scope
from fair.models import MeetingRequest, Participant
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


async def csrf_of(site: Site, path: str = "/me/requests") -> str:
    text = await (await site.client.get(path)).text()
    match = re.search(r'name="csrf" value="([^"]+)"', text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def request_id(settings: Settings, key: str) -> int:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        found = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one()
    engine.dispose()
    assert found.id is not None
    return found.id


def stored_request(settings: Settings, key: str) -> MeetingRequest | None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        found = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).first()
    engine.dispose()
    return found


def stored_person(settings: Settings, key: str) -> Participant:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        found = session.exec(select(Participant).where(Participant.key == key)).one()
    engine.dispose()
    return found


# ------------------------------------------------------------------------------ access


@pytest.mark.parametrize("path", ["/me/requests", "/me/availability"])
async def test_portal_pages_send_anonymous_to_login(site: Site, path: str) -> None:
    response = await site.client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/me/requests", "/me/availability"])
async def test_portal_pages_refuse_organiser(site: Site, path: str) -> None:
    await site.sign_in_organiser()
    assert (await site.client.get(path, allow_redirects=False)).status == 403


@pytest.mark.parametrize(
    "path", ["/me/requests", "/me/requests/1/accept", "/me/requests/1/withdraw", "/me/availability"]
)
async def test_portal_posts_refuse_anonymous(site: Site, path: str) -> None:
    response = await site.client.post(path, data={}, allow_redirects=False)
    assert response.status in {302, 401}


async def test_portal_nav_links_for_participant_only(site: Site) -> None:
    await site.sign_in_participant("kr1")
    text = await (await site.client.get("/me")).text()
    assert 'href="/me/requests"' in text and 'href="/me/availability"' in text
    site.client.session.cookie_jar.clear()
    await site.sign_in_organiser()
    text = await (await site.client.get("/organiser")).text()
    assert 'href="/me/requests"' not in text


# ---------------------------------------------------------------------------- requests


async def test_requests_page_shows_received_with_answer_forms(site: Site) -> None:
    await site.sign_in_participant("kr2")
    response = await site.client.get("/me/requests")
    assert response.status == 200
    text = await response.text()
    assert "Hanse Feinkost GmbH" in text and "Anna Becker" in text
    assert "/accept" in text and "/decline" in text and "status-pending" in text


async def test_requests_page_shows_sent_with_withdraw(site: Site) -> None:
    await site.sign_in_participant("de1")
    text = await (await site.client.get("/me/requests")).text()
    sent = text[text.index('id="sent"') :]
    assert "부산해양식품 주식회사" in sent and "status-accepted" in sent
    assert "/withdraw" in sent


async def test_requests_page_directory_search(site: Site) -> None:
    await site.sign_in_participant("cn1")
    text = await (await site.client.get("/me/requests?q=frozen")).text()
    found = text[text.index('id="find"') : text.index('id="new"')]
    assert "부산해양식품 주식회사" in found and "Hanse Feinkost" not in found
    text = await (await site.client.get("/me/requests?to=de1")).text()
    assert 'name="to" value="de1"' in text and "Anna Becker" in text


async def test_send_request_redirects_and_lists_it(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("cn1")
    token = await csrf_of(site)
    response = await site.client.post(
        "/me/requests",
        data={"csrf": token, "to": "de1", "priority": "4", "mode": "online", "length": "2"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/me/requests?done=sent#sent"
    stored = stored_request(settings, "cn1>de1")
    assert stored is not None and (stored.priority, stored.mode, stored.length) == (4, "online", 2)
    text = await (await site.client.get(response.headers["Location"])).text()
    assert "Your request was sent" in text and "Hanse Feinkost GmbH" in text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"priority": "9"}, "priority", "must be 1–5"),
        ({"mode": "hologram"}, "mode", "must be one of"),
        ({"length": "4"}, "length", "must be 1–3"),
        ({"to": "kr2"}, "to", "in your own company"),
        ({"to": "de1x"}, "to", "no participant"),
    ],
)
async def test_send_request_error_shown_next_to_field(
    site: Site, settings: Settings, changes: dict[str, str], field: str, message: str
) -> None:
    await site.sign_in_participant("kr1")
    token = await csrf_of(site)
    data = {"csrf": token, "to": "cn1", "priority": "3", "mode": "either", "length": "1"}
    response = await site.client.post("/me/requests", data={**data, **changes})
    assert response.status == 422
    text = await response.text()
    error = re.search(rf'<span class="field-error" id="err-{field}">([^<]*)</span>', text)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in text
    assert stored_request(settings, "kr1>cn1") is None


async def test_send_request_without_csrf_is_refused(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("cn1")
    response = await site.client.post("/me/requests", data={"to": "de1"})
    assert response.status == 403
    assert stored_request(settings, "cn1>de1") is None


async def test_accept_request_with_priority(site: Site, settings: Settings) -> None:
    rid = request_id(settings, "r3")
    await site.sign_in_participant("kr2")
    token = await csrf_of(site)
    response = await site.client.post(
        f"/me/requests/{rid}/accept",
        data={"csrf": token, "to_priority": "5"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/me/requests?done=accepted#received"
    stored = stored_request(settings, "r3")
    assert stored is not None and (stored.status, stored.to_priority) == ("accepted", 5)
    again = await site.client.post(f"/me/requests/{rid}/accept", data={"csrf": token})
    assert again.status == 409
    assert "already accepted" in await again.text()


async def test_accept_request_bad_priority_shown_on_its_row(site: Site, settings: Settings) -> None:
    rid = request_id(settings, "r3")
    await site.sign_in_participant("kr2")
    token = await csrf_of(site)
    response = await site.client.post(
        f"/me/requests/{rid}/accept", data={"csrf": token, "to_priority": "7"}
    )
    assert response.status == 422
    assert f'id="err-to_priority-{rid}"' in await response.text()
    stored = stored_request(settings, "r3")
    assert stored is not None and stored.status == "pending"


async def test_decline_request_by_receiver(site: Site, settings: Settings) -> None:
    rid = request_id(settings, "r3")
    await site.sign_in_participant("kr2")
    token = await csrf_of(site)
    response = await site.client.post(
        f"/me/requests/{rid}/decline", data={"csrf": token}, allow_redirects=False
    )
    assert response.status == 302
    stored = stored_request(settings, "r3")
    assert stored is not None and stored.status == "declined"


@pytest.mark.parametrize(
    ("who", "action"), [("de1", "accept"), ("kr1", "decline"), ("cn1", "accept")]
)
async def test_answer_by_non_receiver_is_forbidden(
    site: Site, settings: Settings, who: str, action: str
) -> None:
    rid = request_id(settings, "r3")
    await site.sign_in_participant(who)
    token = await csrf_of(site)
    response = await site.client.post(f"/me/requests/{rid}/{action}", data={"csrf": token})
    assert response.status == 403
    stored = stored_request(settings, "r3")
    assert stored is not None and stored.status == "pending"


async def test_withdraw_by_sender_removes_request(site: Site, settings: Settings) -> None:
    rid = request_id(settings, "r3")
    await site.sign_in_participant("de1")
    token = await csrf_of(site)
    response = await site.client.post(
        f"/me/requests/{rid}/withdraw", data={"csrf": token}, allow_redirects=False
    )
    assert response.status == 302
    assert stored_request(settings, "r3") is None


async def test_withdraw_by_receiver_is_forbidden(site: Site, settings: Settings) -> None:
    rid = request_id(settings, "r3")
    await site.sign_in_participant("kr2")
    token = await csrf_of(site)
    response = await site.client.post(f"/me/requests/{rid}/withdraw", data={"csrf": token})
    assert response.status == 403
    assert stored_request(settings, "r3") is not None


# ------------------------------------------------------------------------ availability


async def test_availability_page_shows_days_windows_and_zone(site: Site) -> None:
    await site.sign_in_participant("de1")
    response = await site.client.get("/me/availability")
    assert response.status == 200
    text = await response.text()
    assert 'value="08:00-18:00"' in text
    assert '<option value="Europe/Berlin" selected>' in text
    assert "Day 2" in text and "Friday, 27 November 2026" in text
    # 09:00–12:00 in Shanghai is 02:00–05:00 in Berlin in November.
    assert "02:00–05:00" in text


async def test_save_availability_redirects_and_stores(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("de1")
    token = await csrf_of(site, "/me/availability")
    response = await site.client.post(
        "/me/availability",
        data=[
            ("csrf", token),
            ("onsite_days", "2"),
            ("windows", "07:00-12:00"),
            ("windows", ""),
            ("windows", "01:30-05:00"),
            ("timezone", "Europe/Paris"),
        ],
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/me/availability?done=saved"
    person = stored_person(settings, "de1")
    assert person.onsite_days == [2]
    assert person.windows == ["01:30-05:00", "07:00-12:00"]
    assert person.timezone == "Europe/Paris"
    text = await (await site.client.get(response.headers["Location"])).text()
    assert "Saved." in text and 'value="2" checked' in text


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ([("onsite_days", "3"), ("timezone", "Asia/Seoul")], "onsite_days"),
        ([("windows", "9 to 5"), ("timezone", "Asia/Seoul")], "windows"),
        ([("timezone", "Asia/Atlantis")], "timezone"),
    ],
)
async def test_save_availability_error_next_to_field(
    site: Site, settings: Settings, form: list[tuple[str, str]], field: str
) -> None:
    await site.sign_in_participant("kr1")
    token = await csrf_of(site, "/me/availability")
    response = await site.client.post("/me/availability", data=[("csrf", token), *form])
    assert response.status == 422
    text = await response.text()
    assert f'<span class="field-error" id="err-{field}">' in text
    assert stored_person(settings, "kr1").timezone == "Asia/Seoul"


async def test_save_availability_without_csrf_is_refused(site: Site) -> None:
    await site.sign_in_participant("kr1")
    response = await site.client.post("/me/availability", data={"timezone": "UTC"})
    assert response.status == 403
