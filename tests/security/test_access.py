"""A participant trying what is not theirs, with every kind of bad credential.

Builds on tests/web/test_authorization.py (which classifies every route of the router
and checks anonymous, participant and organiser access): here the credentials are bad in
the ways an attacker has them — a session cookie signed by another site, an expired
session, a revoked or replaced personal link, a feed token used as a sign-in link, a
participant of another fair in the same database — and the requests come cross-site.
Every attempt is refused with 401/403/404 (or a redirect to the sign-in page) and no
data comes back.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
import pytest
import socketio
from sqlmodel import Session, select

from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import AccessToken, Fair, Meeting, MeetingRequest, Participant, TokenKind
from fair.tokens import hash_token, issue_token
from tests.factories import FAIR_TOML, fair_files
from tests.web.conftest import ORGANISER, Site
from tests.web.test_authorization import ORGANISER as ORGANISER_RULE
from tests.web.test_authorization import PARTICIPANT, SIGNED_IN, concrete, routes
from web import sessions
from web.keys import SETTINGS

pytestmark = pytest.mark.integration
REFUSED = {302, 401, 403, 404}
SECRET_WORDS = ("minjun@", "wangwei@", "anna@", "jihye@", "seoyeon@")  # other people's e-mails


def base(site: Site) -> str:
    return str(site.client.make_url("")).rstrip("/")


async def fetch(
    site: Site, method: str, path: str, cookie: str = "", **headers: str
) -> tuple[int, str]:
    """One request with exactly this cookie (no cookie jar)."""
    if cookie:
        headers["Cookie"] = f"{sessions.COOKIE}={cookie}"
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.request(
            method,
            base(site) + path,
            headers={"Accept": "application/json", **headers},
            json={} if method != "GET" else None,
            allow_redirects=False,
        ) as response,
    ):
        return response.status, await response.text()


async def cookie_of(site: Site, who: str, token: str = "") -> str:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        if who == "organiser":
            r = await http.post(
                base(site) + "/login",
                data={"email": ORGANISER[0], "password": ORGANISER[1]},
                allow_redirects=False,
            )
        else:
            r = await http.get(
                base(site) + f"/p/{token or site.tokens[who]}", allow_redirects=False
            )
        assert r.status == 302, await r.text()
        return r.cookies[sessions.COOKIE].value


def private_routes(site: Site) -> list[tuple[str, str]]:
    return [
        (method, concrete(template))
        for method, template, rule in routes(site)
        if rule in (PARTICIPANT, ORGANISER_RULE, SIGNED_IN)
    ]


async def assert_all_refused(site: Site, cookie: str, csrf: str = "") -> None:
    for method, path in private_routes(site):
        headers = {"X-CSRF-Token": csrf} if csrf else {}
        status, text = await fetch(site, method, path, cookie, **headers)
        assert status in REFUSED, f"{method} {path} gave {status}"
        assert not any(w in text for w in SECRET_WORDS), f"{method} {path} leaked data"


async def socket_refused(site: Site, cookie: str, namespace: str = "/meeting") -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(
            base(site),
            namespaces=[namespace],
            headers={"Cookie": f"{sessions.COOKIE}={cookie}"},
            transports=["websocket"],
            wait_timeout=3,
        )
    except socketio.exceptions.ConnectionError:
        await close_transport(client)
        return True
    await client.disconnect()
    return False


async def close_transport(client: socketio.AsyncClient) -> None:
    """A refused handshake leaves engine.io's HTTP session open (closed only when the
    client is collected, a ResourceWarning then): close it now."""
    http = client.eio.http
    if http is not None and not http.closed:
        await http.close()


def room_uid(site: Site, key: str = "r1") -> str:
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    try:
        with Session(engine) as session:
            request = session.exec(
                select(MeetingRequest).where(
                    MeetingRequest.key == key, MeetingRequest.fair_id == site.fair_id
                )
            ).one()
            return request.uid
    finally:
        engine.dispose()


# ------------------------------------------------------------------------ bad credentials


async def test_cookie_signed_by_another_site_is_anonymous(site: Site) -> None:
    """A session cookie from another installation (another secret) opens nothing."""
    stolen = {"o": 1, "p": 1, "csrf": "x", "exp": int(time.time()) + 3600}
    cookie = sessions.encode("another-sites-secret", stolen)
    await assert_all_refused(site, cookie, "x")
    assert await socket_refused(site, cookie)
    assert await socket_refused(site, cookie, "/dashboard")


async def test_expired_session_is_refused(site: Site) -> None:
    secret = site.client.app[SETTINGS].secret_key  # type: ignore[index]
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with session_scope(engine) as session:
        cn1 = session.exec(select(Participant).where(Participant.key == "cn1")).one()
        token = issue_token(session, cn1, TokenKind.MAGIC)
        pid = cn1.id
    engine.dispose()
    past = int(time.time()) - 1
    for data in (
        {"p": pid, "t": hash_token(token), "csrf": "x", "exp": past},
        {"o": 1, "csrf": "x", "exp": past},
    ):
        cookie = sessions.encode(secret, data)
        await assert_all_refused(site, cookie, "x")
        assert await socket_refused(site, cookie)


async def revoke(site: Site, organiser: str, key: str) -> int:
    """The organiser (session cookie `organiser`) revokes `key`'s link; the status."""
    csrf = sessions.decode(
        site.client.app[SETTINGS].secret_key,  # type: ignore[index]
        organiser,
    )["csrf"]
    status, _ = await fetch(
        site, "POST", f"/organiser/participants/{key}/revoke", organiser, **{"X-CSRF-Token": csrf}
    )
    return status


async def test_revoked_link_ends_every_session_it_opened(site: Site) -> None:
    participant = await cookie_of(site, "cn1")
    assert (await fetch(site, "GET", "/api/me", participant))[0] == 200
    organiser = await cookie_of(site, "organiser")
    assert await revoke(site, organiser, "cn1") == 302
    await assert_all_refused(site, participant)
    assert await socket_refused(site, participant)
    assert (await fetch(site, "GET", f"/p/{site.tokens['cn1']}"))[0] == 403


async def test_expired_link_ends_its_sessions_and_says_when_it_expired(site: Site) -> None:
    """A link stops working `GRACE_DAYS` after the fair (and after its own issue): here the
    fair and the link are moved into the past, and the session it opened ends too."""
    participant = await cookie_of(site, "cn1")
    assert (await fetch(site, "GET", "/api/me", participant))[0] == 200
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with session_scope(engine) as session:
        fair = session.get(Fair, site.fair_id)
        assert fair is not None
        fair.start = date(2020, 3, 2)
        session.add(fair)
        for row in session.exec(select(AccessToken)):
            row.created_at = datetime(2020, 2, 1, tzinfo=UTC)
            session.add(row)
    engine.dispose()
    await assert_all_refused(site, participant)
    assert await socket_refused(site, participant)
    status, text = await fetch(site, "GET", f"/p/{site.tokens['cn1']}")
    assert status == 403 and "expired on 2020-04-02" in text, text
    status, _ = await fetch(site, "GET", f"/feed/{site.tokens['cn1']}.ics")
    assert status == 403


async def test_replaced_link_stops_working_and_the_new_one_works(site: Site) -> None:
    old_session = await cookie_of(site, "kr1")
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with session_scope(engine) as session:
        kr1 = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        new = issue_token(session, kr1, TokenKind.MAGIC)
    engine.dispose()
    assert (await fetch(site, "GET", f"/p/{site.tokens['kr1']}"))[0] == 403
    await assert_all_refused(site, old_session)
    assert await socket_refused(site, old_session)
    fresh = await cookie_of(site, "kr1", new)
    assert (await fetch(site, "GET", "/api/me", fresh))[0] == 200


async def test_feed_token_is_no_sign_in_link_and_sign_in_link_no_feed(site: Site) -> None:
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with session_scope(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        feed = issue_token(session, de1, TokenKind.FEED)
    engine.dispose()
    assert (await fetch(site, "GET", f"/p/{feed}"))[0] == 403
    assert (await fetch(site, "GET", f"/feed/{site.tokens['de1']}.ics"))[0] == 403
    status, text = await fetch(site, "GET", f"/feed/{feed}.ics")
    assert status == 200 and "BEGIN:VCALENDAR" in text


async def test_revoking_a_link_revokes_the_persons_calendar_feeds_too(site: Site) -> None:
    """A stolen feed link reads the agenda no longer once the organiser revokes the
    person (it used to work until 30 days after the fair); the participants page shows
    who has a live feed."""
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with session_scope(engine) as session:
        cn1 = session.exec(select(Participant).where(Participant.key == "cn1")).one()
        feed = issue_token(session, cn1, TokenKind.FEED)
    engine.dispose()
    assert (await fetch(site, "GET", f"/feed/{feed}.ics"))[0] == 200
    organiser = await cookie_of(site, "organiser")
    listed = (await fetch(site, "GET", "/organiser/participants?q=cn1", organiser))[1]
    assert "Calendar feed on" in listed
    assert await revoke(site, organiser, "cn1") == 302
    assert (await fetch(site, "GET", f"/feed/{feed}.ics"))[0] == 403
    listed = (await fetch(site, "GET", "/organiser/participants?q=cn1", organiser))[1]
    assert "Calendar feed on" not in listed


async def test_no_credentials_at_all_get_nothing(site: Site) -> None:
    await assert_all_refused(site, "")
    assert await socket_refused(site, "")


# ---------------------------------------------------------------- other people's things


async def test_participant_of_another_fair_reaches_nothing_of_this_fair(site: Site) -> None:
    """A valid link of another fair in the same database (stolen, or a participant of
    both) opens that fair's own data only."""
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    other_toml = FAIR_TOML.replace("Qingdao–Busan Test Fair", "Another Fair")
    other_fair = import_files(engine, fair_files(toml=other_toml)).fair_id
    with session_scope(engine) as session:
        stranger = session.exec(
            select(Participant).where(Participant.fair_id == other_fair, Participant.key == "kr1")
        ).one()
        token = issue_token(session, stranger, TokenKind.MAGIC)
        ids = [r.id for r in session.exec(select(MeetingRequest)) if r.fair_id == site.fair_id]
    engine.dispose()
    cookie = await cookie_of(site, "kr1", token)
    csrf = sessions.decode(site.client.app[SETTINGS].secret_key, cookie)["csrf"]  # type: ignore[index]
    status, text = await fetch(site, "GET", "/api/me", cookie)
    assert status == 200
    assert '"meetings": []' in text or '"meetings":[]' in text  # this fair's agenda is not theirs
    uid = room_uid(site)
    assert (await fetch(site, "GET", f"/rooms/{uid}", cookie))[0] in REFUSED
    for rid in ids:
        for action in ("accept", "decline", "withdraw"):
            status, _ = await fetch(
                site, "POST", f"/api/me/requests/{rid}/{action}", cookie, **{"X-CSRF-Token": csrf}
            )
            assert status in (403, 404), (rid, action, status)
    await assert_socket_join_refused(site, cookie, uid)


async def assert_socket_join_refused(site: Site, cookie: str, uid: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        base(site),
        namespaces=["/meeting"],
        headers={"Cookie": f"{sessions.COOKIE}={cookie}"},
        transports=["websocket"],
    )
    try:
        ack: Any = await client.call("join", {"meeting": uid}, namespace="/meeting", timeout=5)
        assert ack["ok"] is False and ack["error"]["code"] in ("forbidden", "not_found"), ack
        body = {"type": "intent", "amount": "1", "currency": "USD", "client_key": "steal-0001"}
        ack = await client.call("deal:record", body, namespace="/meeting", timeout=5)
        assert ack["error"]["code"] == "not_joined"
        ack = await client.call("deal:confirm", {"deal": 1}, namespace="/meeting", timeout=5)
        assert ack["error"]["code"] == "not_joined"
    finally:
        await client.disconnect()


async def test_participant_cannot_touch_other_peoples_meetings_and_requests(site: Site) -> None:
    """de1 is not a party of r1 (cn1 → kr1): its room, its requests, its deals."""
    cookie = await cookie_of(site, "de1")
    csrf = sessions.decode(site.client.app[SETTINGS].secret_key, cookie)["csrf"]  # type: ignore[index]
    uid = room_uid(site)
    assert (await fetch(site, "GET", f"/rooms/{uid}", cookie))[0] in (403, 404)
    await assert_socket_join_refused(site, cookie, uid)
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with Session(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        theirs = [
            r for r in session.exec(select(MeetingRequest)) if de1.id not in (r.from_id, r.to_id)
        ]
        before = {r.id: r.status for r in theirs}
    assert theirs
    for request in theirs:
        for action in ("accept", "decline", "withdraw"):
            status, text = await fetch(
                site,
                "POST",
                f"/api/me/requests/{request.id}/{action}",
                cookie,
                **{"X-CSRF-Token": csrf},
            )
            assert status in (403, 404), (request.key, action, status, text)
            status, _ = await fetch(
                site,
                "POST",
                f"/me/requests/{request.id}/{action}",
                cookie,
                **{"X-CSRF-Token": csrf},
            )
            assert status in (302, 403, 404)
    with Session(engine) as session:
        after = {r.id: r.status for r in session.exec(select(MeetingRequest)) if r.id in before}
        meetings = session.exec(select(Meeting)).all()
    engine.dispose()
    assert after == before  # nothing changed
    assert meetings
    # Their own calendar holds their own meetings only.
    status, text = await fetch(site, "GET", "/me/agenda.ics", cookie)
    assert status == 200 and "cn1" not in text.lower().replace("cn1@", "")


# --------------------------------------------------------------------------- cross-site


async def test_cross_site_unsafe_requests_without_csrf_token_are_refused(site: Site) -> None:
    """What a foreign page can make a browser send: the cookie, a foreign Origin, no
    CSRF token. Every state-changing route refuses it before doing anything."""
    unsafe = [
        (m, concrete(t))
        for m, t, _ in routes(site)
        if m in ("POST", "PUT", "PATCH", "DELETE") and not t.startswith("/socket.io")
    ]
    assert len(unsafe) >= 15
    for who in ("organiser", "cn1"):
        cookie = await cookie_of(site, who)
        for method, path in unsafe:
            status, text = await fetch(site, method, path, cookie, Origin="https://evil.example")
            assert status == 403, f"{who} {method} {path} gave {status}"
            assert "another site" in text


@pytest.mark.parametrize(
    ("headers", "signed_in"),
    [
        ({"Origin": "https://evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Referer": "https://evil.example/phish"}, False),
        ({"Origin": "https://{host}"}, False),  # right host, wrong scheme
        ({"Origin": "http://{host}"}, True),
        ({"Referer": "http://{host}/login?next=/organiser"}, True),
        ({}, True),  # not a browser: nothing to forge
    ],
)
async def test_login_from_another_site_is_refused(
    site: Site, headers: dict[str, str], signed_in: bool
) -> None:
    """Login CSRF: a foreign page's form must not sign the visitor into the attacker's
    organiser account (there is no session, so no CSRF token, before signing in)."""
    host = site.client.make_url("").authority
    sent = {k: v.format(host=host) for k, v in headers.items()}
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.post(
            base(site) + "/login",
            data={"email": ORGANISER[0], "password": ORGANISER[1]},
            headers=sent,
            allow_redirects=False,
        ) as response,
    ):
        text = await response.text()
        if signed_in:
            assert response.status == 302 and sessions.COOKIE in response.cookies, text
        else:
            assert response.status == 403 and "another site" in text
            assert sessions.COOKIE not in response.cookies


async def test_socketio_from_a_foreign_origin_is_refused(site: Site) -> None:
    """Regression: `cors_allowed_origins=[]` turned engine.io's Origin check off."""
    cookie = await cookie_of(site, "kr1")
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            base(site),
            namespaces=["/meeting"],
            headers={"Cookie": f"{sessions.COOKIE}={cookie}", "Origin": "https://evil.example"},
            transports=["websocket"],
            wait_timeout=3,
        )
    await close_transport(client)


async def test_socketio_from_the_sites_own_origin_is_accepted(site: Site) -> None:
    cookie = await cookie_of(site, "kr1")
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        base(site),
        namespaces=["/meeting"],
        headers={"Cookie": f"{sessions.COOKIE}={cookie}", "Origin": base(site)},
        transports=["websocket"],
    )
    assert client.connected
    await client.disconnect()


async def test_participant_is_refused_every_meeting_room_not_theirs(site: Site) -> None:
    """For every participant, every published meeting they are not a party of: the room
    page and the socket.io join are refused."""
    engine = open_database(site.client.app[SETTINGS].database_url)  # type: ignore[index]
    with Session(engine) as session:
        people = {p.key: p.id for p in session.exec(select(Participant))}
        rows = session.exec(
            select(Meeting, MeetingRequest).join(
                MeetingRequest,
                MeetingRequest.id == Meeting.request_id,  # type: ignore[arg-type]
            )
        ).all()
        parties = {r.uid: {r.from_id, r.to_id, m.third_seat_id} for m, r in rows}
    engine.dispose()
    tried = 0
    for key, pid in people.items():
        others = sorted(uid for uid, members in parties.items() if pid not in members)
        if not others:
            continue
        cookie = await cookie_of(site, key)
        for uid in others:
            assert (await fetch(site, "GET", f"/rooms/{uid}", cookie))[0] in (403, 404)
            await assert_socket_join_refused(site, cookie, uid)
            tried += 1
    assert tried >= 2  # the small fair: every outsider of its meetings


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/organiser/grid?day=2", "/organiser/grid?day=2"),
        ("//evil.example/x", "/organiser"),
        ("/\\evil.example/x", "/organiser"),
        ("/\t/evil.example/x", "/organiser"),  # browsers drop the tab: //evil.example
        ("/\n/evil.example/x", "/organiser"),
        ("https://evil.example/x", "/organiser"),
    ],
)
async def test_sign_in_goes_back_only_to_a_page_of_this_site(
    site: Site, target: str, lands: str
) -> None:
    """Regression: `next=/%09/evil.example` passed the `//` check and aiohttp dropped the
    tab in Location: an open redirect right after the organiser typed their password."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.post(
            base(site) + "/login",
            data={"email": ORGANISER[0], "password": ORGANISER[1], "next": target},
            allow_redirects=False,
        ) as response,
    ):
        assert response.status == 302
        assert response.headers["Location"] == lands


async def test_a_personal_link_asks_before_replacing_another_session(site: Site) -> None:
    """Login CSRF through a link: a page of another site that sends the organiser's
    browser to an attacker's personal link must not sign it in as the attacker."""
    await site.sign_in_organiser()
    link = f"/p/{site.tokens['cn1']}"
    response = await site.client.get(link, allow_redirects=False)
    assert response.status == 200 and "Switch account?" in await response.text()
    assert (await site.client.get("/organiser", allow_redirects=False)).status == 200
    # A cross-site form cannot confirm it: it has no CSRF token of the session.
    response = await site.client.post(link, data={}, allow_redirects=False)
    assert response.status == 403
    assert (await site.client.get("/organiser", allow_redirects=False)).status == 200
    # The person at the keyboard can.
    await site.sign_in_participant("cn1")
    assert (await site.client.get("/me", allow_redirects=False)).status == 200
    # The same participant's link again signs in at once; another participant's asks.
    assert (await site.client.get(link, allow_redirects=False)).status == 302
    other = await site.client.get(f"/p/{site.tokens['kr1']}", allow_redirects=False)
    assert other.status == 200


async def test_signing_out_ends_every_session_of_that_person(site: Site) -> None:
    """A copy of the organiser's cookie replayed after sign-out is refused (it was
    valid for 14 days), and so is another device's session of the same organiser; a
    new sign-in works."""
    await site.sign_in_organiser()
    stolen = site.client.session.cookie_jar.filter_cookies(site.client.make_url("/"))
    cookie = stolen["fair_session"].value
    assert (await site.client.get("/organiser", allow_redirects=False)).status == 200
    csrf = await site.csrf()
    assert (
        await site.client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    ).status == 302
    replayed = await site.client.get(
        "/organiser", headers={"Cookie": f"fair_session={cookie}"}, allow_redirects=False
    )
    assert replayed.status == 302  # to the sign-in page
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            str(site.client.make_url("/")).rstrip("/"),
            namespaces=["/dashboard"],
            headers={"Cookie": f"fair_session={cookie}"},
            transports=["websocket"],
        )
    await client.disconnect()
    time.sleep(0.01)
    await site.sign_in_organiser()
    assert (await site.client.get("/organiser", allow_redirects=False)).status == 200


async def test_a_participant_signing_out_ends_their_sessions(site: Site) -> None:
    await site.sign_in_participant("cn1")
    cookie = site.client.session.cookie_jar.filter_cookies(site.client.make_url("/"))[
        "fair_session"
    ].value
    found = re.search(r'name="csrf" value="([^"]+)"', await (await site.client.get("/me")).text())
    assert found
    await site.client.post("/logout", data={"csrf": found.group(1)}, allow_redirects=False)
    replayed = await site.client.get(
        "/me", headers={"Cookie": f"fair_session={cookie}"}, allow_redirects=False
    )
    assert replayed.status == 302
    await site.sign_in_participant("cn1")  # the personal link still works
    assert (await site.client.get("/me", allow_redirects=False)).status == 200


async def test_nobody_connects_to_the_root_namespace(site: Site) -> None:
    """No page uses `/`; python-socketio took anyone there, signed in or not, and kept
    the connection (issue 19)."""
    assert await socket_refused(site, "", namespace="/")
    assert await socket_refused(site, await cookie_of(site, "cn1"), namespace="/")
    assert await socket_refused(site, await cookie_of(site, "organiser"), namespace="/")
