"""Real headless Chromium (Debian's `chromium`) driven by Playwright for Python."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from web.assets import VENDOR

CHROMIUM = os.environ.get("FAIR_TEST_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
# Without it Chromium gathers no ICE candidates where only loopback exists.
LOOPBACK_FLAGS = [*FLAGS, "--allow-loopback-in-peer-connection"]


@asynccontextmanager
async def launched(flags: list[str]) -> AsyncIterator[Any]:
    """Chromium with these flags, or a skip (a failure in CI) when it is missing."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"Chromium is required in CI and missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (./dev test installs it)")
    if not (VENDOR / "socket.io.min.js").is_file():
        # Without the socket.io client the pages load but nothing live happens, and a
        # browser test would only time out waiting for it.
        pytest.fail(f"{VENDOR / 'socket.io.min.js'} is missing: run `npm ci` (./dev test does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            yield instance
        finally:
            await instance.close()


# Both browsers depend on `aiohttp_server` so that pytest closes them before the test
# servers: a server shut down under a live page cancels the requests it is serving, and
# a static file request cancelled while aiohttp opens the file leaves the file open
# (an "unclosed file" ResourceWarning, an error here).
@pytest.fixture
async def browser(aiohttp_server: Any) -> AsyncIterator[Any]:
    async with launched(FLAGS) as instance:
        yield instance


@pytest.fixture
async def loopback_browser(aiohttp_server: Any) -> AsyncIterator[Any]:
    """A browser whose WebRTC gathers candidates on loopback (rooms and stages)."""
    async with launched(LOOPBACK_FLAGS) as instance:
        yield instance


# The same published fair as the integration tests.
# The fair running now of the freed-slot tests (tests/live_fair.py).
from tests.live_fair import clock, live_fair  # noqa: E402, F401
from tests.web.conftest import published_fair, settings  # noqa: E402, F401
