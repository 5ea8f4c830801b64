"""The real app served on a loopback port from a thread of its own, so synchronous
clients (schemathesis drives `requests`) and hypothesis can call it while it runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from aiohttp import web

from fair.settings import Settings
from tests.web.conftest import ORGANISER, published_fair, settings, site  # noqa: F401
from web.app import create_app


@dataclass
class Served:
    base: str
    tokens: dict[str, str]  # participant key → magic token
    fair_id: int

    def session(self, who: str | None) -> tuple[requests.Session, str]:
        """A `requests` session signed in as `who` ("organiser", a participant key or
        None) and the CSRF token its writes send."""
        http = requests.Session()
        if who == "organiser":
            r = http.post(
                f"{self.base}/login",
                data={"email": ORGANISER[0], "password": ORGANISER[1]},
                allow_redirects=False,
            )
            assert r.status_code == 302, r.text
        elif who is not None:
            r = http.get(f"{self.base}/p/{self.tokens[who]}", allow_redirects=False)
            assert r.status_code == 302, r.text
        csrf = http.get(f"{self.base}/api/session").json()["csrf"] or ""
        return http, csrf


def serve_in_thread(
    app: web.Application,
) -> tuple[str, threading.Thread, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    started = threading.Event()
    address: list[str] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(tcp.start())
        host, port = runner.addresses[0][:2]
        address.append(f"http://{host}:{port}")
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="served-app", daemon=True)
    thread.start()
    assert started.wait(30), "the app did not start"
    return address[0], thread, loop


@pytest.fixture
def served(
    settings: Settings,  # noqa: F811
    published_fair: tuple[int, dict[str, str]],  # noqa: F811
) -> Iterator[Served]:
    base, thread, loop = serve_in_thread(create_app(settings))
    try:
        yield Served(base, published_fair[1], published_fair[0])
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
