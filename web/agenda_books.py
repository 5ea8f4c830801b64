"""Every participant's agenda, built once per published version and kept in the process.

A fair's participants open their agendas in waves (the morning of each day, the minutes
before each slot), most of them for the first time. Read one by one, each agenda costs a
few queries; built for the whole version at once (`fair.queries.agenda_book`) the fair
costs about as much as a few dozen single agendas. So the server builds the book of the
published version when it starts, right after a publication, and on the first request for
a version it does not hold yet (one build, however many requests wait for it).

Pages too: right after the book of a new version is built, every agenda of it is rendered
in the fair's default language in the background (a few milliseconds each, in the
database executor's threads, in chunks), so the first wave of visitors gets a rendered page.
A rendered agenda holds neither the session's CSRF token nor the time: both are put in on
the way out (`agenda.js` sets live and ended meetings from that time), so a page can be
kept for `PAGE_SECONDS`.

A published version never changes, but names and places can be edited by a re-import:
a book older than `REFRESH_SECONDS` is rebuilt in the background while the old one keeps
answering, so such edits show within about a minute without anyone waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import Session, col, select

from fair.models import Fair, ScheduleVersion, VersionStatus
from fair.queries import AgendaBook, AgendaItem, CompanyLabel, PersonLabel, agenda_book
from fair.timeline import Span
from fair.versions import published_edition
from web import i18n, pictures
from web.db import read
from web.keys import BOOKS, DB_EXECUTOR, PAGE_CACHE, Books

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
PAGE_SECONDS = 600.0  # a rendered agenda (names edited by a re-import show after this)
PRERENDER_CHUNK = 25  # pages per executor call
# Rendering ahead gives way to live traffic: when the event loop took longer than this to
# come back after a chunk (requests and room events were waiting), the next chunk waits
# for PRERENDER_BACKOFF times the last one's time. A restarted process otherwise spent
# its first seconds rendering 1,588 agendas while its clients reconnected (issue 21).
PRERENDER_BUSY_LAG = 0.002  # seconds
PRERENDER_BACKOFF = 3.0

# Stand-ins for what a rendered agenda leaves out (unguessable, so no text contains them).
CSRF_SLOT = f"csrf-{secrets.token_hex(12)}"
NOW_SLOT = f"now-{secrets.token_hex(12)}"


async def book(
    app: web.Application, fair_id: int, version_id: int, revision: int = 0
) -> AgendaBook:
    """The agendas of `version_id` at `revision` or later, from memory when held (a stale
    book answers while its replacement is built), else built now. A revision is a change
    to the published version during the fair (a meeting booked into a freed slot or
    cancelled, `fair.freed`): the book is rebuilt at once, so the change shows on the
    next request."""
    books = app[BOOKS]
    held = books.held.get(fair_id)
    if held is not None and held[1].version_id == version_id and held[1].revision >= revision:
        built, found = held
        if time.monotonic() - built > REFRESH_SECONDS:
            _start_build(app, fair_id, version_id)
        return found
    return await _start_build(app, fair_id, version_id)


def _start_build(app: web.Application, fair_id: int, version_id: int) -> asyncio.Future[AgendaBook]:
    """One build per (fair, version) at a time; everyone asking meanwhile shares it (a
    build reads the version's newest revision)."""
    books = app[BOOKS]
    key = (fair_id, version_id)
    running = books.building.get(key)
    if running is not None:
        return running

    async def build() -> AgendaBook:
        try:
            started = time.monotonic()
            made = await read(app, agenda_book, fair_id, version_id)
            held = books.held.get(fair_id)
            # A slower build of an older version never replaces a newer one.
            if held is None or held[1].edition <= made.edition:
                books.held[fair_id] = (started, made)
                if held is None or held[1].edition != made.edition:
                    _prerender(app, made)  # a version new to this process
            return made
        finally:
            books.building.pop(key, None)

    task = asyncio.ensure_future(build())
    books.building[key] = task
    books.tasks.add(task)
    task.add_done_callback(books.tasks.discard)
    # A background refresh that fails is logged; the next request tries again.
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("building the agendas failed", exc_info=task.exception())


def published(app: web.Application, fair_id: int) -> None:
    """A version of `fair_id` was just published: build its book before its participants
    ask (in the background; the publisher does not wait)."""

    async def warm() -> None:
        edition = await read(app, published_edition, fair_id)
        if edition is not None:
            await _start_build(app, fair_id, edition[0])

    task = asyncio.ensure_future(warm())
    app[BOOKS].warming.add(task)
    task.add_done_callback(app[BOOKS].warming.discard)
    task.add_done_callback(_log_failure)


def _published(session: Session) -> list[tuple[int, int]]:
    rows = session.exec(
        select(ScheduleVersion.fair_id, ScheduleVersion.id)
        .where(ScheduleVersion.status == VersionStatus.PUBLISHED)
        .order_by(col(ScheduleVersion.fair_id), col(ScheduleVersion.number))
    ).all()
    newest = {fair_id: version_id for fair_id, version_id in rows}  # the last one wins
    return [(fair_id, version_id) for fair_id, version_id in newest.items() if version_id]


async def books_ctx(app: web.Application) -> AsyncIterator[None]:
    """Hold the books; build the published versions' books as the server starts."""
    app[BOOKS] = Books()

    async def warm_published() -> None:
        try:
            for fair_id, version_id in await read(app, _published):
                await _start_build(app, fair_id, version_id)
        except Exception:  # the pages build on demand instead
            log.exception("warming the agendas failed")

    warming = asyncio.ensure_future(warm_published())
    yield
    warming.cancel()
    for task in [warming, *app[BOOKS].warming, *app[BOOKS].tasks]:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


# ---------------------------------------------------------------------------- pages


def page_key(participant_id: int, edition: tuple[int, int], language: str) -> tuple[Any, ...]:
    """A rendered agenda's key: the participant, the published version and its revision
    (`fair.versions.published_edition`), the language."""
    return ("agenda", participant_id, edition, language)


def render(
    app: web.Application,
    participant_id: int,
    person: PersonLabel,
    fair: Fair,
    company: CompanyLabel,
    items: tuple[AgendaItem, ...],
    day_spans: tuple[Sequence[Span], Sequence[Span], Sequence[tuple[datetime, datetime]]] = (
        (),
        (),
        (),
    ),
) -> bytes:
    """The agenda page in the current language, with `CSRF_SLOT` and `NOW_SLOT` in place of
    the session's token and the time. The meetings' live/ended state is set for now;
    `agenda.js` keeps it right from the time put in on the way out."""
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    zone, fair_zone = person.timezone, fair.timezone
    now = _now()
    for item in items:
        day = i18n.local_date(item.start, zone)
        days[day].append(
            {
                "item": item,
                "local": f"{i18n.local_time(item.start, zone)}–{i18n.local_time(item.end, zone)}",
                "fair_time": f"{i18n.local_time(item.start, fair_zone)}–"
                f"{i18n.local_time(item.end, fair_zone)}",
                "their_time": i18n.local_time(item.start, item.counterpart_timezone),
                "live": item.start - timedelta(minutes=10) <= now < item.end,
                "now": item.start <= now < item.end,
                "past": item.end <= now,
                "start_iso": item.start.isoformat(),
                "end_iso": item.end.isoformat(),
            }
        )
    unavailable, breaks, frame = day_spans
    drawn = (
        pictures.day_pictures(items, unavailable, breaks, frame, (zone, fair_zone)) if items else ()
    )
    template = aiohttp_jinja2.get_env(app).get_template("agenda.html")
    html = template.render(
        # The templates use the request only for `request.app.router`.
        request=SimpleNamespace(app=app),
        session={"p": participant_id},
        csrf=CSRF_SLOT,
        person=person,
        fair=fair,
        company=company,
        days=dict(days),
        now_iso=NOW_SLOT,
        day_pictures=drawn,
        day_titles=(i18n.template_gettext("Your time"), i18n.template_gettext("Fair time")),
    )
    return html.encode("utf-8")


def book_day(
    made: AgendaBook, pid: int
) -> tuple[Sequence[Span], Sequence[Span], Sequence[tuple[datetime, datetime]]]:
    """What a participant's day picture needs from the book besides their meetings."""
    return made.unavailable.get(pid, ()), made.breaks, made.frame


def _now() -> datetime:
    return datetime.now(UTC)


def keep(app: web.Application, key: tuple[Any, ...], body: bytes) -> None:
    pages = app[PAGE_CACHE]
    if len(pages) > 50_000:  # bounded memory: start over
        pages.clear()
    pages[key] = (time.monotonic() + PAGE_SECONDS * (1.0 + random.random() * 0.5), body)


def fill_in(body: bytes, csrf: str) -> web.Response:
    text = body.replace(CSRF_SLOT.encode(), csrf.encode()).replace(
        NOW_SLOT.encode(), _now().isoformat().encode()
    )
    return web.Response(body=text, content_type="text/html", charset="utf-8")


async def give_way(took: float) -> float:
    """After `took` seconds of background work: go on at once when the event loop is idle;
    when live work was waiting for it, pause `PRERENDER_BACKOFF` times as long, so the
    background takes at most a quarter of a busy process. Returns the pause."""
    begun = time.monotonic()
    await asyncio.sleep(0)  # everything ready to run goes first
    if time.monotonic() - begun <= PRERENDER_BUSY_LAG:
        return 0.0
    pause = took * PRERENDER_BACKOFF
    await asyncio.sleep(pause)
    return pause


def _prerender(app: web.Application, made: AgendaBook) -> None:
    """Render every agenda of a version new to this process, in the background."""
    language = i18n.DEFAULT
    loop = asyncio.get_running_loop()
    people = [pid for pid in made.people if pid in made.companies]

    def chunk(pids: list[int]) -> list[tuple[int, bytes]]:
        with i18n.using(language):
            return [
                (
                    pid,
                    render(
                        app,
                        pid,
                        made.people[pid],
                        made.fair,
                        made.companies[pid],
                        made.agendas.get(pid, ()),
                        book_day(made, pid),
                    ),
                )
                for pid in pids
            ]

    async def work() -> None:
        started = time.monotonic()
        for i in range(0, len(people), PRERENDER_CHUNK):
            held = app[BOOKS].held.get(made.fair.id or 0)
            if held is None or held[1].edition != made.edition:
                return  # a newer version or revision was published meanwhile
            begun = time.monotonic()
            done = await loop.run_in_executor(
                app[DB_EXECUTOR], chunk, people[i : i + PRERENDER_CHUNK]
            )
            for pid, body in done:
                keep(app, page_key(pid, made.edition, language), body)
            await give_way(time.monotonic() - begun)
        log.info(
            "rendered %d agendas of version %d in %.1f s",
            len(people),
            made.version_id,
            time.monotonic() - started,
        )

    task = asyncio.ensure_future(work())
    app[BOOKS].warming.add(task)
    task.add_done_callback(app[BOOKS].warming.discard)
    task.add_done_callback(_log_failure)
