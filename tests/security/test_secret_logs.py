"""Secrets never reach the logs: passwords, personal and feed tokens, session cookies,
CSRF tokens and the secret key, across a failed and a good sign-in, issuing and using a
personal link and a feed, writes with the CSRF header, a socket.io connection, and an
unexpected error on a token URL. The server runs with the production access logger."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from fair.settings import Settings
from tests.web.conftest import ORGANISER
from web.accesslog import AccessLogger, access_logger
from web.app import create_app

pytestmark = pytest.mark.integration
WRONG_PASSWORD = "wrong-horse-battery-4242"
FORMATTER = logging.Formatter()


@pytest.fixture
async def client(
    settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The app served with the access logger `fair serve` uses."""
    server = TestServer(create_app(settings))
    await server.start_server(access_log_class=AccessLogger, access_log=access_logger())
    result: TestClient = TestClient(server)  # type: ignore[type-arg]
    await result.start_server()
    yield result
    await result.close()


def everything_logged(records: list[logging.LogRecord]) -> str:
    parts = []
    for r in records:
        parts.append(r.getMessage())
        if r.exc_info:
            parts.append(FORMATTER.formatException(r.exc_info))
    return "\n".join(parts)


async def test_secrets_never_logged(
    client: TestClient,  # type: ignore[type-arg]
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = {ORGANISER[1], WRONG_PASSWORD, settings.secret_key, *published_fair[1].values()}

    # A failed sign-in, then a good one.
    r = await client.post("/login", data={"email": ORGANISER[0], "password": WRONG_PASSWORD})
    assert r.status == 403
    r = await client.post(
        "/login", data={"email": ORGANISER[0], "password": ORGANISER[1]}, allow_redirects=False
    )
    assert r.status == 302
    secrets.add(r.cookies["fair_session"].value)
    csrf = (await (await client.get("/api/session")).json())["csrf"]
    secrets.add(csrf)
    # The organiser issues a new personal link for kr1 (shown on the page, once).
    page = await (
        await client.post("/organiser/participants/kr1/link", headers={"X-CSRF-Token": csrf})
    ).text()
    link = re.search(r"/p/([A-Za-z0-9_-]{40,})", page)
    assert link
    secrets.add(link.group(1))
    await client.post("/logout", headers={"X-CSRF-Token": csrf})

    # kr1 uses the link, makes a feed link and fetches the feed, writes through the API.
    client.session.cookie_jar.clear()
    r = await client.get(f"/p/{link.group(1)}", allow_redirects=False)
    assert r.status == 302
    cookie = r.cookies["fair_session"].value
    secrets.add(cookie)
    csrf = (await (await client.get("/api/session")).json())["csrf"]
    secrets.add(csrf)
    page = await (await client.post("/me/feed", headers={"X-CSRF-Token": csrf})).text()
    feed = re.search(r"/feed/([A-Za-z0-9_-]{40,})\.ics", page)
    assert feed
    secrets.add(feed.group(1))
    assert (await client.get(f"/feed/{feed.group(1)}.ics")).status == 200
    r = await client.post("/api/me/requests", json={"to": "de1"}, headers={"X-CSRF-Token": csrf})
    assert r.status in (201, 409, 422)

    # A socket.io connection with the session cookie.
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        str(client.make_url("")).rstrip("/"),
        namespaces=["/meeting"],
        headers={"Cookie": f"fair_session={cookie}"},
        transports=["websocket"],
    )
    await sio.call("time", {}, namespace="/meeting", timeout=5)
    await sio.disconnect()

    # An error while a token URL is served: the error log names the route, not the token.
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE access_token RENAME TO access_token_gone")
    r = await client.get(f"/p/{published_fair[1]['cn1']}", allow_redirects=False)
    assert r.status in (500, 503)  # 503: the database is treated as unavailable
    assert "Traceback" not in await r.text()

    logged = everything_logged(caplog.records)
    access = [r.getMessage() for r in caplog.records if r.name == "fair.access"]
    assert any('"/p/[redacted]"' in line for line in access)  # the check can see requests
    assert any('"/feed/[redacted]' in line for line in access)
    assert any("GET /p/[redacted]" in r.getMessage() for r in caplog.records if r.levelno > 20)
    leaked = sorted(s[:6] + "…" for s in secrets if s and s in logged)
    assert not leaked, f"secrets in the logs: {leaked}"


async def test_access_log_redacts_token_paths_with_query(
    client: TestClient,  # type: ignore[type-arg]
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    token = published_fair[1]["de1"]
    async with aiohttp.ClientSession() as http:
        await http.get(client.make_url(f"/p/{token}?next=/me&t={token}"), allow_redirects=False)
    assert token not in everything_logged(caplog.records)
