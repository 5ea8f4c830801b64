"""`/notices`: announcements reach every open page of their audience (the fair, a
pavilion's companies, a meeting room's members) and nobody else, through real
python-socketio clients; `recent` brings them to a page opened after; only participants
connect. And the `/meeting` `late` notice is kept for the control room."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import aiohttp
import pytest
import socketio
from sqlmodel import Session, select

from fair.control import rooms_now_and_next
from fair.db import open_database
from fair.models import Pavilion
from tests.realtime import test_redis_processes as processes
from tests.realtime.conftest import Live, Peer, eventually
from tests.realtime.test_redis_processes import connect

pytestmark = pytest.mark.integration
two_servers = processes.two_servers  # two `fair serve` processes on Redis


async def announce(live: Live, to: str, text: str, base: str = "") -> None:
    """The organiser's announcement form on the control room page (of the process at
    `base`, the test server by default)."""
    base = base or live.base
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        from tests.web.conftest import ORGANISER

        signed_in = await http.post(
            f"{base}/login",
            data={"email": ORGANISER[0], "password": ORGANISER[1]},
            allow_redirects=False,
        )
        assert signed_in.status == 302
        page = await (await http.get(f"{base}/organiser/control")).text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        response = await http.post(
            f"{base}/organiser/control/announce",
            data={"csrf": csrf.group(1), "to": to, "text": text},
            allow_redirects=False,
        )
        assert response.status == 303, await response.text()


def korea(live: Live, url: str) -> int:
    engine = open_database(url)
    with Session(engine) as session:
        pavilion_id = session.exec(select(Pavilion.id).where(Pavilion.key == "KR")).one()
    engine.dispose()
    assert pavilion_id is not None
    return pavilion_id


def texts(peer: Peer) -> list[str]:
    return [a["text"] for a in peer.got("announcement")]


async def test_notices_pavilion_announcement_reaches_its_companies_only(
    live: Live, settings: object
) -> None:
    seller = await live.connect("kr1", "/notices")
    colleague = await live.connect("kr2", "/notices")
    buyer = await live.connect("cn1", "/notices")
    pavilion = korea(live, settings.database_url)  # type: ignore[attr-defined]
    await announce(live, f"pavilion:{pavilion}", "Hall B closes at 18:00")
    await eventually(
        lambda: bool(seller.got("announcement")) and bool(colleague.got("announcement"))
    )
    (sent,) = seller.got("announcement")
    assert sent["text"] == "Hall B closes at 18:00" and sent["scope"] == "pavilion"
    assert sent["target"] == "Korea Pavilion" and sent["author"] == "Organiser"
    await announce(live, "fair", "Welcome to the fair")
    await eventually(lambda: "Welcome to the fair" in texts(buyer))
    assert texts(buyer) == ["Welcome to the fair"]  # the pavilion's never reached cn1


async def test_notices_meeting_announcement_reaches_its_members_only(live: Live) -> None:
    member = await live.connect("cn1", "/notices")
    interpreter = await live.connect("int1", "/notices")
    other = await live.connect("kr2", "/notices")
    await announce(live, f"meeting:{live.uid}", "Your room closes in 5 minutes")
    await eventually(
        lambda: bool(member.got("announcement")) and bool(interpreter.got("announcement"))
    )
    await announce(live, "fair", "after")
    await eventually(lambda: "after" in texts(other))
    assert texts(other) == ["after"]


async def test_notices_recent_for_a_page_opened_after(live: Live) -> None:
    await announce(live, f"meeting:{live.uid}", "to the room")
    await announce(live, "fair", "to everyone")
    member = await live.connect("cn1", "/notices")
    outsider = await live.connect("kr2", "/notices")
    ack = await member.call("recent", namespace="/notices")
    assert [a["text"] for a in ack["announcements"]] == ["to everyone", "to the room"]
    ack = await outsider.call("recent", namespace="/notices")
    assert [a["text"] for a in ack["announcements"]] == ["to everyone"]


async def test_notices_connect_refused_for_organiser_and_anonymous(live: Live) -> None:
    for who in ("organiser", None):
        client = socketio.AsyncClient(reconnection=False)
        headers = {"Cookie": f"fair_session={await live.cookie(who)}"} if who else {}
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                live.base, namespaces=["/notices"], headers=headers, transports=["websocket"]
            )
        await client.disconnect()


async def test_meeting_late_notice_kept_for_control_room(live: Live, settings: object) -> None:
    seller = await live.connect("kr1")
    await seller.call("join", {"meeting": live.uid})
    buyer = await live.connect("cn1")
    await buyer.call("join", {"meeting": live.uid})
    assert (await buyer.call("late", {"minutes": 7}))["ok"] is True
    await buyer.call("leave")
    await eventually(lambda: bool(seller.got("late")))

    def states() -> dict[str, tuple[str, int | None]]:
        engine = open_database(settings.database_url)  # type: ignore[attr-defined]
        with Session(engine) as session:
            (room,) = rooms_now_and_next(session, live.fair_id, datetime.now(UTC))
        engine.dispose()
        return {p.name: (p.state, p.late_minutes) for p in room.people}

    assert states()["김민준"] == ("in", None) and states()["王伟"] == ("late", 7)
    await buyer.call("join", {"meeting": live.uid})
    assert states()["王伟"] == ("in", None)


@pytest.mark.redis
async def test_notices_announcement_crosses_processes(
    two_servers: list[str], published_fair: tuple[int, dict[str, str]], live_meeting: str
) -> None:
    """Sent on one `fair serve` process, an announcement reaches the pages connected to
    the other (Redis), and only its audience there."""
    a, b = two_servers
    live = Live(server=None, fair_id=published_fair[0], tokens=published_fair[1], uid=live_meeting)  # type: ignore[arg-type]
    member = await connect(b, live, "cn1", "/notices")
    outsider = await connect(b, live, "kr2", "/notices")
    try:
        await announce(live, f"meeting:{live.uid}", "Room 1 moves online", base=a)
        await announce(live, "fair", "Doors open at 9:00", base=a)
        await eventually(lambda: "Doors open at 9:00" in texts(outsider), 10)
        await eventually(lambda: len(texts(member)) == 2, 10)
        assert texts(member) == ["Room 1 moves online", "Doors open at 9:00"]
        assert texts(outsider) == ["Doors open at 9:00"]
    finally:
        for peer in (member, outsider):
            await peer.client.disconnect()
