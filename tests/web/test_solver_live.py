"""Running the solver from the console, with progress over a real socket.io connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.web.conftest import ORGANISER, Site
from web.app import create_app
from web.keys import SOLVER_RUNS

pytestmark = pytest.mark.integration


async def finish(site: Site) -> dict[str, Any]:
    job: Any = site.client.app[SOLVER_RUNS].job(site.fair_id)
    assert job.task is not None
    await asyncio.wait_for(job.task, 60)
    state: dict[str, Any] = job.state()
    return state


async def test_solver_run_from_console_makes_a_draft(site: Site) -> None:
    await site.sign_in_organiser()
    token = await site.csrf()
    response = await site.client.post(
        "/organiser/schedule",
        data={"csrf": token, "time_limit": "5"},
        headers={"Accept": "application/json"},
    )
    assert response.status == 202
    state = await finish(site)
    assert state["result"]["version"] == 2
    status = await (await site.client.get("/organiser/schedule/status")).json()
    assert status["running"] is False and status["result"]["version"] == 2
    detail = await site.client.get("/organiser/versions/2")
    assert detail.status == 200
    text = await detail.text()
    assert "Objective, level by level" in text and "Compared with the published version" in text


async def test_solver_bad_time_limit_names_field(site: Site) -> None:
    await site.sign_in_organiser()
    token = await site.csrf()
    response = await site.client.post(
        "/organiser/schedule", data={"csrf": token, "time_limit": "soon"}
    )
    assert response.status == 400
    assert "time_limit" in await response.text()


async def test_solver_run_refused_for_participant(site: Site) -> None:
    await site.sign_in_participant("kr1")
    page = await site.client.get("/me")
    assert page.status == 200
    response = await site.client.post("/organiser/schedule", data={"time_limit": "5"})
    assert response.status == 403  # no CSRF token, and not the organiser either


async def test_version_page_lists_left_out_with_reason(site: Site) -> None:
    await site.sign_in_organiser()
    text = await (await site.client.get("/organiser/versions/1")).text()
    assert "Left out" in text
    assert "Hanse Feinkost GmbH" in text  # the Berlin buyer has no common time with Busan


async def test_socketio_progress_reaches_watching_organiser(
    aiohttp_server: Any, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> None:
    server: TestServer = await aiohttp_server(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        login = await http.post(
            f"{base}/login",
            data={"email": ORGANISER[0], "password": ORGANISER[1]},
            allow_redirects=False,
        )
        assert login.status == 302
        cookie = login.cookies["fair_session"].value
        page = await (await http.get(f"{base}/organiser")).text()
        csrf = page.split('name="csrf" value="')[1].split('"')[0]

        events: list[tuple[str, dict[str, Any]]] = []
        done = asyncio.Event()
        client = socketio.AsyncClient()

        @client.on("solver:done", namespace="/organiser")
        async def on_done(data: dict[str, Any]) -> None:
            events.append(("done", data))
            done.set()

        await client.connect(
            base,
            namespaces=["/organiser"],
            headers={"Cookie": f"fair_session={cookie}"},
            transports=["websocket"],
        )
        ack = await client.call("watch_solver", {"fair": published_fair[0]}, namespace="/organiser")
        assert ack == {"ok": True}
        started = await http.post(
            f"{base}/organiser/schedule",
            data={"csrf": csrf, "time_limit": "5"},
            headers={"Accept": "application/json"},
        )
        assert started.status == 202
        await asyncio.wait_for(done.wait(), 60)
        await client.disconnect()
    assert events[0][1]["result"]["version"] == 2


async def test_socketio_refuses_anonymous(aiohttp_server: Any, settings: Settings) -> None:
    server: TestServer = await aiohttp_server(create_app(settings))
    client = socketio.AsyncClient()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            str(server.make_url("")), namespaces=["/organiser"], transports=["websocket"]
        )
    await client.disconnect()
