"""Caps on open socket.io connections (issue 18, item 3): per person and per client
address, on each process; the next handshake is refused with the reason, and a closed
connection makes room again."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import aiohttp
import pytest
import socketio

from fair.settings import Settings
from tests.realtime.conftest import Live, eventually
from web.app import create_app
from web.keys import SIO

pytestmark = pytest.mark.integration


async def capped(
    aiohttp_server: Any, settings: Settings, published_fair: Any, live_meeting: str, **caps: int
) -> Live:
    server = await aiohttp_server(create_app(replace(settings, **caps)))
    return Live(server, published_fair[0], published_fair[1], live_meeting)


async def refused(live: Live, who: str) -> str:
    """Open a connection as `who` and return why it was refused: the socket.io client
    is refused, and the engine.io handshake says why (401)."""
    client = socketio.AsyncClient(reconnection=False)
    cookie = f"fair_session={await live.cookie(who)}"
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            live.base,
            namespaces=["/meeting"],
            headers={"Cookie": cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
    await client.disconnect()
    async with aiohttp.ClientSession() as http:
        response = await http.get(
            f"{live.base}/socket.io/?EIO=4&transport=polling", headers={"Cookie": cookie}
        )
        assert response.status == 401
        return str((await response.json())["message"])


async def test_one_person_cannot_hold_more_than_the_cap(
    aiohttp_server: Any, settings: Settings, published_fair: Any, live_meeting: str
) -> None:
    live = await capped(
        aiohttp_server, settings, published_fair, live_meeting, limits_sockets_per_person=3
    )
    try:
        pages = [await live.connect("cn1") for _ in range(3)]
        assert "one person (at most 3)" in await refused(live, "cn1")
        other = await live.connect("kr1")  # somebody else is not held up
        assert other.client.connected
        await pages[0].client.disconnect()
        caps = live.server.app[SIO].caps  # type: ignore[attr-defined]
        await eventually(lambda: caps.counts["p:" + str(pid_of(live, "cn1"))] == 2)
        again = await live.connect("cn1")
        assert again.client.connected
    finally:
        for peer in live.peers:
            await peer.client.disconnect()


async def test_one_address_cannot_hold_more_than_the_cap(
    aiohttp_server: Any, settings: Settings, published_fair: Any, live_meeting: str
) -> None:
    live = await capped(
        aiohttp_server, settings, published_fair, live_meeting, limits_sockets_per_address=2
    )
    try:
        await live.connect("cn1")
        await live.connect("kr1")
        assert "one address (at most 2)" in await refused(live, "int1")
    finally:
        for peer in live.peers:
            await peer.client.disconnect()


def pid_of(live: Live, key: str) -> int:
    from sqlmodel import Session, select

    from fair.models import Participant
    from web.keys import ENGINE

    with Session(live.server.app[ENGINE]) as session:  # type: ignore[index]
        person = session.exec(select(Participant).where(Participant.key == key)).one()
        assert person.id is not None
        return person.id
