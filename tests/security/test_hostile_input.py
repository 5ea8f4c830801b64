"""Hostile input a client can send gets a 4xx naming what is wrong, never a 500: JSON
nested past the parser's depth, integers of thousands of digits, NUL characters in query
parameters, form fields and JSON strings, and a query number that is not one. All are
refused before any database work (PostgreSQL refuses NUL in text, which was a 500), so
SQLite shows it. A body cut off by the client is no server error either."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web

from fair.settings import Settings
from tests.web.conftest import Site
from web.app import create_app

pytestmark = pytest.mark.integration


async def test_nul_in_a_query_or_a_form_is_400_naming_it(site: Site) -> None:
    for path in ("/floor?q=a%00b", "/catalogue?q=%00", "/floor?a%00=1"):
        response = await site.client.get(path)
        assert response.status == 400, path
        assert "NUL characters are not allowed" in await response.text()
    response = await site.client.post("/login", data={"email": "a\x00b@x.example", "password": "x"})
    assert response.status == 400
    assert "email: NUL characters are not allowed" in await response.text()


async def test_hostile_json_is_400_or_422_naming_it(site: Site) -> None:
    await site.sign_in_participant("cn1")
    csrf = (await (await site.client.get("/api/session")).json())["csrf"]
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    cases = {
        "[" * 5000 + "]" * 5000: (400, "nested too deeply"),
        '{"to": "kr1", "priority": ' + "9" * 5000 + "}": (400, "a number is too long"),
        '{"to": "kr\\u00001", "priority": 3}': (422, "to: NUL characters are not allowed"),
    }
    for body, (status, message) in cases.items():
        response = await site.client.post("/api/me/requests", data=body, headers=headers)
        assert response.status == status, message
        assert message in (await response.json())["error"]["message"]


async def test_a_query_number_that_is_not_one_is_400_or_404(site: Site) -> None:
    await site.sign_in_organiser()
    assert (await site.client.get("/organiser/grid?version=abc")).status == 400
    assert (await site.client.get("/organiser/grid?version=99999999999")).status == 404
    assert (await site.client.get("/organiser/grid?version=1")).status == 200


async def test_a_body_cut_off_by_the_client_is_no_server_error(
    settings: Settings, published_fair: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that promises a body and goes away halfway (issue 18, item 11): one
    informational line, no 500 and no traceback in the log. Served as `fair serve`
    serves (`web.run_app`: handlers are not cancelled when a client goes, so reading
    the body fails with ConnectionResetError)."""
    caplog.set_level(logging.INFO)
    runner = web.AppRunner(create_app(settings), handler_cancellation=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        _reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            f"POST /login HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 100000\r\n\r\nemail=a".encode()
        )
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.transport.abort()
        for _ in range(50):
            if any("went away" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert any("client went away during POST /login" in r.getMessage() for r in caplog.records)
