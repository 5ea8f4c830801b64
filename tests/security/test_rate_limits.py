"""Rate limits on the three things that attract floods: sign-in, personal links, and
deal recording — which happens over socket.io, so the HTTP limiter does not see it."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session, select

from fair.db import open_database
from fair.models import Deal
from fair.settings import Settings
from realtime.meetings import DEALS_PER_MINUTE
from tests.realtime.conftest import Live, live, live_meeting  # noqa: F401
from tests.realtime.conftest import settings as settings
from tests.web.conftest import Site
from web.app import create_app
from web.keys import SETTINGS

pytestmark = pytest.mark.integration


async def test_deal_flood_from_one_participant_is_refused_with_slow_down(
    live: Live,  # noqa: F811
) -> None:
    peer = await live.connect("kr1")
    await peer.call("join", {"meeting": live.uid})
    acks = []
    for n in range(DEALS_PER_MINUTE + 2):
        body = {"type": "intent", "amount": "10", "currency": "USD", "client_key": f"flood-{n:04}"}
        acks.append(await peer.call("deal:record", body))
    assert all(a["ok"] for a in acks[:DEALS_PER_MINUTE])
    for refused in acks[DEALS_PER_MINUTE:]:
        assert refused == {
            "ok": False,
            "error": {
                "code": "slow_down",
                "message": "too many deals in a minute; wait and try again",
            },
        }
    engine = open_database(live.server.app[SETTINGS].database_url)
    try:
        with Session(engine) as session:
            stored = session.exec(select(Deal)).all()
    finally:
        engine.dispose()
    assert len([d for d in stored if d.client_key.startswith("flood-")]) == DEALS_PER_MINUTE
    # The other side of the meeting is not slowed by kr1's flood.
    other = await live.connect("cn1")
    await other.call("join", {"meeting": live.uid})
    body = {"type": "intent", "amount": "10", "currency": "USD", "client_key": "other-0001"}
    assert (await other.call("deal:record", body))["ok"]


async def test_magic_link_issue_is_rate_limited(site: Site) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    codes = []
    for _ in range(62):
        response = await site.client.post(
            "/organiser/participants/kr1/link", data={"csrf": csrf}, allow_redirects=False
        )
        codes.append(response.status)
    assert set(codes[:60]) == {200}
    assert codes[60:] == [429, 429]


async def test_busy_time_uploads_are_rate_limited_before_any_reading(site: Site) -> None:
    """Each upload costs a worker process up to its time budget: the 13th in a minute is
    429 before the file is read (an empty form would otherwise be a 400)."""
    await site.sign_in_participant("kr1")
    page = await (await site.client.get("/me/busy")).text()
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    codes = []
    for _ in range(13):
        response = await site.client.post("/me/busy", data={"csrf": found.group(1)})
        codes.append(response.status)
    assert 429 not in codes[:12]
    assert codes[12] == 429


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8"])
async def test_a_rotating_forwarded_for_from_an_untrusted_client_is_ignored(
    aiohttp_client: Any, settings: Settings, published_fair: Any, trusted: str
) -> None:
    """40 wrong passwords each with another X-Forwarded-For: the header counts only from
    a trusted proxy (`server.trusted_proxies`), so the sign-in limit still refuses."""
    client = await aiohttp_client(create_app(replace(settings, server_trusted_proxies=trusted)))
    statuses = []
    for n in range(40):
        response = await client.post(
            "/login",
            data={"email": "organiser@fair.example", "password": f"wrong-{n}"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        statuses.append(response.status)
    assert 429 in statuses


async def test_a_trusted_proxy_s_forwarded_for_names_the_client(
    aiohttp_client: Any, settings: Settings, published_fair: Any
) -> None:
    client = await aiohttp_client(
        create_app(replace(settings, server_trusted_proxies="127.0.0.1, ::1"))
    )
    statuses = []
    for n in range(40):
        response = await client.post(
            "/login",
            data={"email": "organiser@fair.example", "password": f"wrong-{n}"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        statuses.append(response.status)
    assert 429 not in statuses  # 40 clients, one wrong password each
