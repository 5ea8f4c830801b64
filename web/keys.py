"""Typed application keys: everything the app factory puts on the application, and the
small holders of state that some of them name.

This module imports no other module of `web/` except `web.ratelimit` (which imports none)
and nothing of `realtime/`, so every module can import it without a circle. What
`realtime/` provides is named here by a Protocol (`SolverRunner`, `Announcer`);
`web/app.py` puts the real objects on the application.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import socketio
from aiohttp import web
from sqlalchemy.engine import Engine

from fair.queries import AgendaBook
from fair.settings import Settings
from fair.whatif import WhatIf
from web.ratelimit import Counter

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
DB_EXECUTOR = web.AppKey("db_executor", ThreadPoolExecutor)
SOLVER_EXECUTOR = web.AppKey("solver_executor", ThreadPoolExecutor)
# On SQLite, the pages' and imports' writes go one at a time (`web.db.one_writer`).
WRITE_GATE = web.AppKey("write_gate", asyncio.Lock)
SIO = web.AppKey("sio", socketio.AsyncServer)

# The sliding-window counter of the rate limits, shared with the live rooms' limits.
RATE_COUNTER = web.AppKey[Counter]("rate_counter")


class SolverRun(Protocol):
    """One run of the solver as the console shows it (`realtime.solver.SolverJob`)."""

    def state(self) -> dict[str, Any]: ...


class SolverRunner(Protocol):
    """The organiser's solver runs, one per fair (`realtime.solver.SolverRuns`). A
    Protocol, so that the pages name what they call without importing `realtime/`."""

    def job(self, fair_id: int) -> SolverRun | None: ...

    def start(self, fair_id: int, time_limit: float) -> SolverRun: ...

    def stop(self, fair_id: int) -> bool: ...

    async def close(self) -> None: ...


SOLVER_RUNS = web.AppKey[SolverRunner]("solver_runs")


class Announcer(Protocol):
    """The organiser's announcements, stored and sent live to their audience
    (`realtime.notices.NoticesNamespace`)."""

    async def announce(
        self, fair_id: int, scope: str, target: object, text: str, organiser_id: int | None = None
    ) -> dict[str, Any]: ...


ANNOUNCER = web.AppKey[Announcer]("announcer")


class SlotOfferer(Protocol):
    """Freed slots refilled live (`realtime.offers.SlotOffers`): the organiser's actions,
    stored and told to the people concerned on every process."""

    async def cancel(self, fair_id: int, uid: str) -> Any: ...

    async def offer(self, fair_id: int, offer_id: int) -> Any: ...


SLOT_OFFERS = web.AppKey[SlotOfferer]("slot_offers")

# Call after a session ended (sign-out, a link revoked or replaced): this process's
# live connections of it are closed at once (`realtime.sessions`), other processes'
# within a second.
SESSIONS_ENDED = web.AppKey[Callable[[], None]]("sessions_ended")

# Call with a fair's id after an order changed outside the live stage (an order from a
# replay, `web.replays`): the organiser's dashboard shows the new totals.
ORDERS_CHANGED = web.AppKey[Callable[[int], None]]("orders_changed")


@dataclass
class Mailer:
    """The mail worker's state (`web.calendar_routes`): its thread, what wakes it, and the
    queueing tasks still running."""

    executor: ThreadPoolExecutor
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


MAILER = web.AppKey("mailer", Mailer)


@dataclass
class Books:
    """The agenda books this process holds (`web.agenda_books`): the newest built version per
    fair, the builds under way and the background work on them."""

    held: dict[int, tuple[float, AgendaBook]] = field(default_factory=dict)  # fair id →
    building: dict[tuple[int, int], asyncio.Future[AgendaBook]] = field(default_factory=dict)
    tasks: set[asyncio.Task[AgendaBook]] = field(default_factory=set)
    warming: set[asyncio.Task[None]] = field(default_factory=set)


BOOKS = web.AppKey("agenda_books", Books)


@dataclass
class Converter:
    """The replays' conversions of this process (`web.replays`): one thread, and the
    event that wakes it when a stage ends."""

    executor: ThreadPoolExecutor
    wake: asyncio.Event
    task: asyncio.Task[None] | None = None


CONVERTER = web.AppKey("replay_converter", Converter)

# Built calendar feeds: (participant id, (version id, revision), reminder, base URL)
# → (expiry, file).
FEED_CACHE = web.AppKey(
    "feed_cache", dict[tuple[int, tuple[int, int], int, str], tuple[float, Any]]
)

# What-if levers per version, while the fair and the version are unchanged (web.whatif).
WHATIF_CACHE = web.AppKey("whatif_cache", dict[str, WhatIf])
# Held while a lever is applied and its re-solve started, so two applies take turns.
WHATIF_APPLYING = web.AppKey("whatif_applying", asyncio.Lock)

# Held while a PDF report is laid out in its worker process (web.report_routes): one at
# a time, so a burst of downloads does not take every core.
REPORT_TURN = web.AppKey("report_turn", asyncio.Lock)

# Rendered personal pages, keyed by everything they depend on (see web.agenda).
PAGE_CACHE = web.AppKey("page_cache", dict[tuple[Any, ...], tuple[float, bytes]])

# The decoded session cookie of the current request ({} when signed out).
SESSION = web.RequestKey("session", dict)
