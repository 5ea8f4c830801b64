"""Freed slots refilled live, through real python-socketio clients: the no-show sweep and
the organiser's cancel offer the slot on both people's `/notices` pages and nobody
else's; both accept and the meeting is booked, on their agendas, and its room opens;
answers are refused with the reason; across two `fair serve` processes on Redis."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fair.settings import Settings
from tests.live_fair import LiveFair
from tests.realtime import test_redis_processes as processes
from tests.realtime.conftest import Live, Peer, eventually
from tests.web.conftest import ORGANISER
from web.app import create_app
from web.keys import SIO

pytestmark = pytest.mark.integration


@pytest.fixture
async def live(
    aiohttp_server: Any, settings: Settings, live_fair: LiveFair, clock: list[datetime]
) -> AsyncIterator[Live]:
    server = await aiohttp_server(create_app(settings))
    state = Live(server, live_fair.fair_id, live_fair.tokens, live_fair.uid)
    yield state
    for peer in state.peers:
        await peer.client.disconnect()


def offers(peer: Peer) -> list[dict[str, Any]]:
    return [data for event, data in peer.events if event == "offer"]


async def organiser_post(base: str, path: str, data: dict[str, str]) -> aiohttp.ClientResponse:
    """A form of the control room, posted as the organiser signed in on `base`."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await http.post(f"{base}/login", data={"email": ORGANISER[0], "password": ORGANISER[1]})
        page = await (await http.get(f"{base}/organiser/control")).text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        response = await http.post(
            f"{base}{path}", data={"csrf": csrf.group(1), **data}, allow_redirects=False
        )
        await response.read()
        return response


async def agenda_text(live: Live, who: str) -> str:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await http.get(f"{live.base}/p/{live.tokens[who]}")
        return await (await http.get(f"{live.base}/me")).text()


async def test_a_no_show_is_offered_on_both_pages_booked_and_its_room_opens(
    live: Live, live_fair: LiveFair, clock: list[datetime]
) -> None:
    buyer = await live.connect("b2", "/notices")
    seller = await live.connect("e2", "/notices")
    outsider = await live.connect("b3", "/notices")
    assert "Jeju Greens" not in await agenda_text(live, "b2")  # cached before the booking
    # The sweep runs as if `no_show_minutes` had passed since the slot started.
    clock[0] = live_fair.slot_start + timedelta(minutes=11)
    meetings = live.server.app[SIO].namespace_handlers["/meeting"]
    assert [uid for _, uid in await meetings.sweep_no_shows()] == [live_fair.uid]

    await eventually(lambda: bool(offers(buyer)) and bool(offers(seller)))
    (offer,) = offers(buyer)
    assert offer["status"] == "offered" and offer["with"]["company"] == "Jeju Greens"
    assert offer["start"] == live_fair.slot_start.isoformat()
    assert offer["timezone"] == live_fair.zone and offer["place_kind"] == "online"
    assert offers(seller)[0]["with"]["company"] == "Hanse Feinkost"
    listed = await outsider.call("offers", namespace="/notices")
    assert listed == {"ok": True, "offers": []}
    listed = await seller.call("offers", namespace="/notices")
    assert [o["id"] for o in listed["offers"]] == [offer["id"]]

    ack = await buyer.call("offer:accept", {"offer": offer["id"]}, namespace="/notices")
    assert ack["ok"] and ack["offer"]["you_accepted"] and not ack["offer"]["they_accepted"]
    await eventually(lambda: any(o.get("they_accepted") for o in offers(seller)))
    ack = await seller.call("offer:accept", {"offer": offer["id"]}, namespace="/notices")
    assert ack["ok"] and ack["offer"]["status"] == "booked"
    assert ack["offer"]["uid"] == live_fair.waiting_uid
    await eventually(lambda: offers(buyer)[-1]["status"] == "booked")
    assert offers(outsider) == []

    assert "Jeju Greens" in await agenda_text(live, "b2")  # the agenda shows it at once
    room = await live.connect("b2", "/meeting")
    joined = await room.call("join", {"meeting": live_fair.waiting_uid})
    assert joined["ok"] is True


async def test_offer_answers_are_refused_with_the_reason(live: Live, live_fair: LiveFair) -> None:
    buyer = await live.connect("b2", "/notices")
    outsider = await live.connect("b3", "/notices")
    response = await organiser_post(live.base, "/organiser/control/cancel", {"uid": live_fair.uid})
    assert response.status == 303
    await eventually(lambda: bool(offers(buyer)))
    offer_id = offers(buyer)[0]["id"]
    ack = await outsider.call("offer:accept", {"offer": offer_id}, namespace="/notices")
    assert ack == {
        "ok": False,
        "error": {"code": "forbidden", "message": "this offer is not yours"},
    }
    ack = await buyer.call("offer:accept", {"offer": "1"}, namespace="/notices")
    assert ack["error"]["code"] == "invalid"
    ack = await buyer.call("offer:decline", {"offer": offer_id}, namespace="/notices")
    assert ack["ok"] and ack["offer"]["status"] == "declined"
    ack = await buyer.call("offer:accept", {"offer": offer_id}, namespace="/notices")
    assert ack["error"] == {"code": "conflict", "message": "this offer was declined"}
    # Cancelling it again is refused with the reason, on the page.
    response = await organiser_post(live.base, "/organiser/control/cancel", {"uid": live_fair.uid})
    assert response.status == 409


async def test_the_cancelled_room_is_told(live: Live, live_fair: LiveFair) -> None:
    member = await live.connect("b1", "/meeting")
    await member.call("join", {"meeting": live_fair.uid})
    response = await organiser_post(live.base, "/organiser/control/cancel", {"uid": live_fair.uid})
    assert response.status == 303
    await eventually(lambda: bool(member.got("cancelled")))
    assert member.got("cancelled") == [{"uid": live_fair.uid}]


@pytest.mark.redis
async def test_an_offer_made_on_one_process_reaches_pages_on_the_other(
    settings: Settings, live_fair: LiveFair, tmp_path: Path
) -> None:
    # No background sweep may take the meeting first: nobody is a no-show before the
    # end of its 30-minute slot here.
    patient = {"FAIR_ROOMS_NO_SHOW_MINUTES": "30"}
    with processes.serve_two(settings, tmp_path, patient) as (a, b):
        live = Live(
            server=None, fair_id=live_fair.fair_id, tokens=live_fair.tokens, uid=live_fair.uid
        )  # type: ignore[arg-type]
        buyer = await processes.connect(b, live, "b2", "/notices")
        seller = await processes.connect(b, live, "e2", "/notices")
        try:
            response = await organiser_post(a, "/organiser/control/cancel", {"uid": live_fair.uid})
            assert response.status == 303
            await eventually(lambda: bool(offers(buyer)) and bool(offers(seller)), 10)
            offer_id = offers(buyer)[0]["id"]
            ack = await buyer.call("offer:accept", {"offer": offer_id}, namespace="/notices")
            assert ack["ok"]
            ack = await seller.call("offer:accept", {"offer": offer_id}, namespace="/notices")
            assert ack["ok"] and ack["offer"]["status"] == "booked"
        finally:
            for peer in (buyer, seller):
                await peer.client.disconnect()
