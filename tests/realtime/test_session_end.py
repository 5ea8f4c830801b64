"""Open connections close when their session ends (issue 18, items 1 and 10): a link
revoked or replaced by the organiser, or a sign-out, disconnects that person's open
rooms within a second, on this process and on another one sharing the database; other
people's connections stay."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.realtime.conftest import EVENTS, Live, Peer, _recorder, eventually
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.integration


async def organiser_post(base: str, path: str) -> int:
    """POST `path` as a freshly signed-in organiser (with the CSRF token)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        r = await http.post(
            f"{base}/login",
            data={"email": ORGANISER[0], "password": ORGANISER[1]},
            allow_redirects=False,
        )
        assert r.status == 302
        csrf = (await (await http.get(f"{base}/api/session")).json())["csrf"]
        r = await http.post(f"{base}{path}", data={"csrf": csrf}, allow_redirects=False)
        return r.status


async def closed_within(peer: Peer, seconds: float) -> float:
    started = time.monotonic()
    await eventually(lambda: not peer.client.connected, timeout=seconds)
    return time.monotonic() - started


async def test_revoked_link_closes_its_open_room_at_once(live: Live) -> None:
    buyer = await live.connect("cn1")
    seller = await live.connect("kr1")
    assert (await buyer.call("join", {"meeting": live.uid}))["ok"]
    assert (await seller.call("join", {"meeting": live.uid}))["ok"]
    assert await organiser_post(live.base, "/organiser/participants/cn1/revoke") == 302
    assert await closed_within(buyer, 1.0) < 1.0
    assert buyer.got("signed_out") and "revoked" in buyer.got("signed_out")[0]["message"]
    # The other side stays, and sees the buyer leave.
    assert seller.client.connected
    assert (await seller.call("time"))["ok"]
    await eventually(lambda: bool(seller.got("peer:left")))


async def test_replaced_link_closes_the_old_links_rooms(live: Live) -> None:
    buyer = await live.connect("cn1")
    notices = await live.connect("cn1", namespace="/notices")
    assert await organiser_post(live.base, "/organiser/participants/cn1/link") == 200
    await closed_within(buyer, 1.0)
    await closed_within(notices, 1.0)


async def test_signing_out_closes_that_persons_rooms_on_every_device(live: Live) -> None:
    phone = await live.connect("kr1")
    other = await live.connect("cn1")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as laptop:
        r = await laptop.get(f"{live.base}/p/{live.tokens['kr1']}", allow_redirects=False)
        assert r.status == 302
        page = await (await laptop.get(f"{live.base}/me")).text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        await laptop.post(f"{live.base}/logout", data={"csrf": csrf.group(1)})
    await closed_within(phone, 1.0)
    assert other.client.connected


async def test_organiser_signing_out_closes_their_dashboard(live: Live) -> None:
    dashboard = await live.connect("organiser", namespace="/dashboard")
    cookie = await live.cookie("organiser")
    async with aiohttp.ClientSession() as http:
        headers = {"Cookie": f"fair_session={cookie}"}
        csrf = (await (await http.get(f"{live.base}/api/session", headers=headers)).json())["csrf"]
        await http.post(f"{live.base}/logout", data={"csrf": csrf}, headers=headers)
    await closed_within(dashboard, 1.0)


async def test_a_link_revoked_on_another_process_closes_rooms_here_within_a_second(
    live: Live, aiohttp_server: Any, settings: Settings
) -> None:
    """Two app instances on one database, as two processes behind one proxy: the
    organiser revokes on the first, the room is open on the second."""
    second: TestServer = await aiohttp_server(create_app(settings))
    base = str(second.make_url("")).rstrip("/")
    peer = Peer(socketio.AsyncClient(reconnection=False))
    for name in EVENTS:
        peer.client.on(name, _recorder(peer, name), namespace="/meeting")
    await peer.client.connect(
        base,
        namespaces=["/meeting"],
        headers={"Cookie": f"fair_session={await live.cookie('cn1')}"},
        transports=["websocket"],
        wait_timeout=5,
    )
    live.peers.append(peer)
    await asyncio.sleep(0.6)  # the second process's watch is running
    assert await organiser_post(live.base, "/organiser/participants/cn1/revoke") == 302
    assert await closed_within(peer, 1.5) < 1.5
    assert peer.got("signed_out")
