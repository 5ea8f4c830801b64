"""Queueing e-mails in the background is a write and takes its turn on SQLite
(`web.calendar_routes._queue_in_background`, `web.db.one_writer`): the check at start
for a publication's unsent mails, and the queueing after an import or a publication, hold
the write gate while they run, so a page's save meanwhile waits instead of failing after
SQLite's busy timeout (a grid move was answered 503 while 500 mails were queued)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from aiohttp.web import Application
from sqlalchemy.engine import Engine

from fair import notify
from fair.settings import Settings
from tests.web.conftest import ClientFactory
from web import calendar_routes
from web.app import create_app
from web.db import write
from web.keys import MAILER, WRITE_GATE

pytestmark = pytest.mark.integration


@pytest.fixture
async def app(
    aiohttp_client: ClientFactory,
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],
) -> Application:
    """The app serving the published fair, nothing queued in the background yet."""
    made = create_app(settings)
    await aiohttp_client(made)
    return made


async def _settled(app: Application) -> None:
    for task in list(app[MAILER].tasks):
        await task


async def test_the_check_at_start_for_unsent_mails_holds_the_write_gate(
    app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[bool] = []
    real = notify.queue_missed

    def queue(engine: Engine, s: Settings, fair_id: int | None = None) -> list[Path]:
        held.append(app[WRITE_GATE].locked())
        return real(engine, s, fair_id)

    monkeypatch.setattr(notify, "queue_missed", queue)
    await calendar_routes.send_missed(app)  # as `fair serve` does at its start
    await _settled(app)
    assert held == [True]


async def test_a_save_while_mails_are_queued_waits_for_them_and_succeeds(
    app: Application, published_fair: tuple[int, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, release = threading.Event(), threading.Event()

    def slow_queue(*args: Any) -> list[Path]:
        running.set()
        assert release.wait(10)
        return []

    monkeypatch.setattr(notify, "queue_calendar_changes", slow_queue)
    queueing = calendar_routes.calendars_changed(app, published_fair[0])
    assert await asyncio.to_thread(running.wait, 10)
    save = asyncio.ensure_future(write(app, lambda session: "saved"))
    await asyncio.sleep(0.3)
    assert not save.done()  # waiting for its turn, not spinning on SQLite's lock
    release.set()
    assert await save == "saved"
    await queueing
