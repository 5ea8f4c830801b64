"""`fair serve`'s HTTP guards (issue 18, item 11), on the real app served by the same
runner: a cap on open connections (503 past it, unread) and a deadline for a request's
head (a slow or silent client is cut); requests being handled and websockets stay."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import socketio

from fair.settings import Settings
from web.app import create_app
from web.serving import GuardedRunner

pytestmark = pytest.mark.integration


@pytest.fixture
async def served(settings: Settings, published_fair: Any) -> AsyncIterator[tuple[str, int]]:
    from aiohttp import web

    runner = GuardedRunner(create_app(settings), max_connections=6, head_seconds=1.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield host, port
    finally:
        await runner.cleanup()


async def close(writer: asyncio.StreamWriter) -> None:
    """Close and wait: a socket left for the collector warns in a later test."""
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> float:
    started = time.monotonic()
    data = await asyncio.wait_for(reader.read(), within)
    assert data == b"" or data.startswith(b"HTTP/1.1 ")
    return time.monotonic() - started


async def test_a_slow_head_is_cut_and_a_quick_request_answered(served: tuple[str, int]) -> None:
    host, port = served
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHo")  # and then nothing more
    await writer.drain()
    # cut after the deadline, by a sweep (once a second), not left hanging
    took = await closed_by_server(reader, 30)
    assert took >= 1.0
    await close(writer)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    await close(writer)


async def test_connections_over_the_cap_get_503_unread_and_room_comes_back(
    served: tuple[str, int],
) -> None:
    host, port = served
    held = [await asyncio.open_connection(host, port) for _ in range(6)]
    await asyncio.sleep(0.1)
    reader, writer = await asyncio.open_connection(host, port)
    answer = await asyncio.wait_for(reader.read(), 5)
    assert answer.startswith(b"HTTP/1.1 503") and b"Retry-After: 5" in answer
    await close(writer)
    for _, w in held:
        await close(w)
    await asyncio.sleep(0.2)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    await close(writer)


async def test_a_websocket_outlives_the_head_deadline(
    served: tuple[str, int], live_cookie: str
) -> None:
    host, port = served
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        f"http://{host}:{port}",
        namespaces=["/notices"],
        headers={"Cookie": f"fair_session={live_cookie}"},
        transports=["websocket"],
        wait_timeout=5,
    )
    try:
        await asyncio.sleep(3.5)  # more than twice the deadline
        assert client.connected
    finally:
        await client.disconnect()


@pytest.fixture
async def live_cookie(served: tuple[str, int], published_fair: Any) -> str:
    host, port = served
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        token = published_fair[1]["cn1"]
        r = await http.get(f"http://{host}:{port}/p/{token}", allow_redirects=False)
        assert r.status == 302
        return r.cookies["fair_session"].value
