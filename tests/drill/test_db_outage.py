"""The database goes away (its TCP connection cut by a proxy) and comes back: pages and
the API answer 503 "try again" meanwhile (no stack trace), a deal gets an error ack and
is not stored, and everything works again once the database is reachable."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from fair.settings import Settings
from tests.drill.conftest import SEVERED, TcpProxy
from tests.realtime.conftest import Live
from web.app import create_app

pytestmark = [pytest.mark.integration, pytest.mark.postgres, SEVERED]


def deal(key: str) -> dict[str, str]:
    return {"type": "purchase", "amount": "1500", "currency": "USD", "client_key": key}


async def test_database_outage_is_a_clear_503_and_recovers(
    live: Live, proxy: TcpProxy, settings: Settings
) -> None:
    cookie = {"Cookie": f"fair_session={await live.cookie('cn1')}"}
    buyer = await live.connect("cn1")
    assert (await buyer.call("join", {"meeting": live.uid}))["ok"] is True
    async with aiohttp.ClientSession() as http:
        ok = await http.get(f"{live.base}/me", headers=cookie)
        assert ok.status == 200

        proxy.cut()

        page = await http.get(f"{live.base}/me", headers=cookie)
        body = await page.text()
        assert page.status == 503
        assert page.headers["Retry-After"] == "30"
        assert "The database is unavailable right now" in body
        assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body
        api = await http.get(
            f"{live.base}/api/me", headers={**cookie, "Accept": "application/json"}
        )
        assert api.status == 503
        assert (await api.json())["error"]["message"].startswith("The database is unavailable")
        health = await http.get(f"{live.base}/healthz")
        assert health.status == 503
        assert await health.json() == {"status": "error", "database": "unavailable"}

        ack = await buyer.call("deal:record", deal("outage-1"))
        assert ack["ok"] is False
        assert ack["error"]["code"] == "unavailable"
        # Joining again (leaving the room first) is refused whole, and counts nothing.
        ack = await buyer.call("join", {"meeting": live.uid})
        assert ack["ok"] is False
        assert ack["error"]["code"] == "unavailable"

        proxy.restore()

        again = await http.get(f"{live.base}/me", headers=cookie)
        assert again.status == 200
    # The same deal re-sent with its key is stored once, now.
    ack = await buyer.call("deal:record", deal("outage-1"))
    assert ack["ok"] is True and ack["duplicate"] is False
    # The join the outage refused, once more: the buyer is in the room once, not twice.
    assert (await buyer.call("join", {"meeting": live.uid}))["ok"] is True
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT COUNT(*) FROM deal WHERE client_key = 'outage-1'").scalar()
            == 1
        )
        assert conn.exec_driver_sql(
            "SELECT connections FROM meeting_presence WHERE connections > 0"
        ).scalars().all() == [1]
    engine.dispose()


async def test_a_silent_database_is_a_503_within_the_deadline_and_recovers(
    aiohttp_server: Any, proxy: TcpProxy, settings: Settings, published_fair: Any
) -> None:
    """Packets dropped, not refused (issue 18, item 6): nothing answers and nothing
    fails, so without a deadline every page hung for minutes. Each request's database
    work now has `database.request_seconds` (2 s here): a 503 with Retry-After, the
    site stays up, and it answers normally once the network does."""
    server = await aiohttp_server(create_app(replace(settings, database_request_seconds=2.0)))
    base = str(server.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        assert (await http.get(f"{base}/healthz")).status == 200
        proxy.hold()
        try:
            for path in ("/healthz", "/fair", "/api/fair"):
                started = time.monotonic()
                response = await http.get(f"{base}{path}")
                took = time.monotonic() - started
                assert response.status == 503, path
                assert took < 6, f"{path} took {took:.1f} s"
            page = await http.get(f"{base}/fair")
            assert page.headers["Retry-After"] == "30"
            assert "Traceback" not in await page.text()
        finally:
            proxy.release()
        deadline = time.monotonic() + 30
        while (await http.get(f"{base}/healthz")).status != 200:
            assert time.monotonic() < deadline, "the site did not recover"
            await asyncio.sleep(0.2)
        assert (await http.get(f"{base}/fair")).status == 200
