"""Oversized input is refused early: HTTP bodies over their route's limit get 413 with a
clear message before the body is read in full, and socket.io messages over the limit
end the connection while the server carries on."""

from __future__ import annotations

import asyncio
import io
import json
import re

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer

from fair.busy import MAX_BYTES
from tests.web.conftest import Site

pytestmark = pytest.mark.integration
KIB = 1024


async def test_api_json_over_limit_gets_413_json(site: Site) -> None:
    await site.sign_in_participant("cn1")
    csrf = (await (await site.client.get("/api/session")).json())["csrf"]
    body = json.dumps({"to": "kr1", "pad": "x" * 70 * KIB})
    response = await site.client.post(
        "/api/me/requests",
        data=body,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert response.status == 413
    error = (await response.json())["error"]
    assert error["status"] == 413
    assert "limit here is 64 KiB" in error["message"]


async def test_api_chunked_body_over_limit_gets_413(site: Site) -> None:
    """No Content-Length: the limit holds while reading."""
    await site.sign_in_participant("cn1")
    csrf = (await (await site.client.get("/api/session")).json())["csrf"]

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b" " * (8 * KIB)

    response = await site.client.put(
        "/api/me/availability",
        data=chunks(),
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert response.status == 413
    assert "Maximum request body size" in (await response.json())["error"]["message"]


async def test_api_body_not_utf8_is_400_not_500(site: Site) -> None:
    """Regression (schemathesis): a body of invalid UTF-8 crashed the handler."""
    await site.sign_in_participant("cn1")
    csrf = (await (await site.client.get("/api/session")).json())["csrf"]
    response = await site.client.post(
        "/api/me/requests",
        data=b"\x80\xff",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert "not UTF-8" in (await response.json())["error"]["message"]


async def test_page_form_over_limit_gets_413_page(site: Site) -> None:
    body = io.BytesIO(b"email=a%40b.example&password=" + b"x" * 1100 * KIB)
    response = await site.client.post(
        "/login", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 413
    text = await response.text()
    assert "the limit here is 1.0 MiB" in text
    assert "Traceback" not in text


async def test_busy_upload_over_ics_limit_gets_413(site: Site) -> None:
    await site.sign_in_participant("cn1")
    page = await (await site.client.get("/me/busy")).text()
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", io.BytesIO(b"B" * (MAX_BYTES + 100 * KIB)), filename="big.ics")
    response = await site.client.post("/me/busy", data=form)
    assert response.status == 413
    assert "MiB" in await response.text()


async def test_import_upload_limit_is_larger_than_form_limit(site: Site) -> None:
    """The import form takes files far larger than a page form (checked by the importer
    itself); a 2 MiB body is not refused for its size."""
    await site.sign_in_organiser()
    csrf = await site.csrf()
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("participants", io.BytesIO(b"id\n" + b"x\n" * MIB_2), filename="p.csv")
    response = await site.client.post("/organiser/import", data=form)
    assert response.status != 413


MIB_2 = 1024 * 1024


async def test_huge_declared_body_is_refused_before_it_is_sent(site: Site) -> None:
    """A client that announces 10 GB gets 413 after sending only its headers."""
    server = site.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST /api/me/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10000000000\r\n\r\n{"
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert status.startswith(b"HTTP/1.1 413")


async def test_socketio_message_over_limit_disconnects_and_server_stays_up(
    aiohttp_server,
    settings,
    published_fair,  # type: ignore[no-untyped-def]
) -> None:
    from web.app import create_app

    server: TestServer = await aiohttp_server(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{base}/login",
            data={"email": "boss@fair.example", "password": "correct horse battery"},
            allow_redirects=False,
        )
        cookie = r.cookies["fair_session"].value
    headers = {"Cookie": f"fair_session={cookie}"}
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        base, namespaces=["/meeting"], headers=dict(headers), transports=["websocket"]
    )
    with pytest.raises((socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError)):
        await client.call("chat", {"text": "x" * 70 * KIB}, namespace="/meeting", timeout=1.5)
    for _ in range(50):
        if not client.connected:
            break
        await asyncio.sleep(0.05)
    assert not client.connected
    # The server carries on: a new client connects and gets answers.
    other = socketio.AsyncClient(reconnection=False)
    await other.connect(
        base, namespaces=["/meeting"], headers=dict(headers), transports=["websocket"]
    )
    ack = await other.call("time", {}, namespace="/meeting", timeout=5)
    assert ack["ok"] is True
    await other.disconnect()
    await client.disconnect()  # dropped by the server: this closes its HTTP session


async def test_import_upload_over_its_limit_gets_413(
    aiohttp_client,
    settings,
    published_fair,  # type: ignore[no-untyped-def]
) -> None:
    from dataclasses import replace

    from tests.web.conftest import ORGANISER
    from web.app import create_app

    client = await aiohttp_client(create_app(replace(settings, limits_upload_mib=1)))
    r = await client.post(
        "/login", data={"email": ORGANISER[0], "password": ORGANISER[1]}, allow_redirects=False
    )
    assert r.status == 302
    page = await (await client.get("/organiser/import")).text()
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("participants", io.BytesIO(b"id\n" + b"x\n" * MIB_2), filename="p.csv")
    response = await client.post("/organiser/import", data=form)
    assert response.status == 413
    assert "the limit here is 1.0 MiB" in await response.text()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/me/requests/3072531391669703519764480/accept"),
        ("POST", "/api/me/requests/2147483648/decline"),
        ("GET", "/api/schedule/99999999999999999999/meetings"),
        ("POST", "/api/schedule/2147483648/publish"),
    ],
)
async def test_api_ids_beyond_the_database_are_404(site: Site, method: str, path: str) -> None:
    """Regression (schemathesis): an id past 64 bits overflowed the driver → 500."""
    who = "cn1" if "/me/" in path else "organiser"
    if who == "cn1":
        await site.sign_in_participant(who)
    else:
        await site.sign_in_organiser()
    csrf = (await (await site.client.get("/api/session")).json())["csrf"]
    response = await site.client.request(method, path, headers={"X-CSRF-Token": csrf})
    assert response.status == 404
    assert (await response.json())["error"]["status"] == 404


async def test_numbers_past_the_database_in_any_path_are_404_not_500(site: Site) -> None:
    """Every route with a `{name:\\d+}` part (portal, floor, organiser pages, API...)."""
    numeric = []
    for route in site.client.app.router.routes():  # type: ignore[union-attr]
        info = route.resource.get_info() if route.resource else {}
        pattern = getattr(info.get("pattern"), "pattern", "")
        names = re.findall(r"\(\?P<(\w+)>\\d\+\)", pattern)
        if names and route.method not in ("HEAD", "OPTIONS"):
            path = info["formatter"]
            for name in re.findall(r"\{(\w+)\}", path):
                path = path.replace(f"{{{name}}}", HUGE if name in names else "kr1")
            numeric.append((route.method, path))
    assert len(numeric) >= 8
    for who in ("organiser", "cn1"):
        if who == "organiser":
            await site.sign_in_organiser()
        else:
            await site.sign_in_participant(who)
        csrf = (await (await site.client.get("/api/session")).json())["csrf"]
        for method, path in numeric:
            response = await site.client.request(
                method, path, headers={"X-CSRF-Token": csrf}, allow_redirects=False
            )
            assert response.status == 404, f"{who} {method} {path}: {response.status}"


HUGE = "99999999999999999999"
