"""The participant's agenda: the page (rendered ahead by `web.agenda_books`), its .ics download,
and the calendar subscription (a link of its own, answered with conditional GETs)."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from datetime import UTC
from email.utils import format_datetime
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from fair import notify, queries
from fair.errors import NotFound
from fair.ical import CalendarFile, participant_calendar_file
from fair.models import Company, Fair, Participant, TokenKind
from fair.tokens import issue_token, participant_for_token
from fair.versions import published_edition
from web import agenda_books, auth, i18n
from web.db import read, write
from web.keys import FEED_CACHE, MAILER, PAGE_CACHE, SESSION, SETTINGS
from web.render import page

FEED_CACHE_SECONDS = 60.0


async def agenda(request: web.Request) -> web.StreamResponse:
    person, version = await auth.participant_with(
        request, lambda session, person: published_edition(session, person.fair_id)
    )
    csrf = request.get(SESSION, {}).get("csrf", "")
    # Rendered once per participant, version and language (ahead of time for a new
    # version, see web/agenda_books.py); the session's CSRF token and the time go in on the way
    # out.
    key = agenda_books.page_key(person.id or 0, version or (0, 0), i18n.current())
    cached_page = request.app[PAGE_CACHE].get(key)
    if cached_page is not None and cached_page[0] > time.monotonic():
        return agenda_books.fill_in(cached_page[1], csrf)
    day: tuple[Any, Any, Any] = ((), (), ())
    if version is None:
        fair = await read(request.app, _fair_of, person.fair_id)
        items: tuple[queries.AgendaItem, ...] = ()
        company = await read(request.app, _company_label, person.company_id)
    else:
        book = await agenda_books.book(request.app, person.fair_id, *version)
        fair = book.fair
        items = book.agendas.get(person.id or 0, ())
        held = book.companies.get(person.id or 0)
        if held is None:  # a participant imported after the book was built
            held = await read(request.app, _company_label, person.company_id)
        company = held
        day = agenda_books.book_day(book, person.id or 0)
    label = queries.PersonLabel(name=person.name, timezone=person.timezone)
    body = agenda_books.render(request.app, person.id or 0, label, fair, company, items, day)
    agenda_books.keep(request.app, key, body)
    return agenda_books.fill_in(body, csrf)


def _fair_of(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def _company_label(session: Session, company_id: int) -> queries.CompanyLabel:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"no company {company_id}")
    return queries.CompanyLabel(name=company.name, country=company.country)


async def calendar_file(app: web.Application, person: Participant) -> CalendarFile:
    """The participant's calendar; when what they see changed since it was last recorded
    (a colleague added or removed, a company renamed, a live change), the change is
    recorded first — SEQUENCE, DTSTAMP and Last-Modified move — and the iTIP e-mails of
    everyone affected are queued."""
    settings = app[SETTINGS]
    base, reminder = settings.base_url, settings.calendar_reminder_minutes

    def build(session: Session) -> CalendarFile:
        return participant_calendar_file(session, person.fair_id, person.key, base, reminder)

    calendar = await read(app, build)
    if not calendar.stale:
        return calendar
    assert person.id is not None
    person_id = person.id

    def record(session: Session) -> list[notify.Notice]:
        return notify.sync_calendars(session, person.fair_id, settings, {person_id})

    try:
        notices = await write(app, record)
    except IntegrityError:  # another process recorded the same change first
        notices = []
    if notices:
        await asyncio.get_running_loop().run_in_executor(
            app[MAILER].executor, notify.queue, settings, notices
        )
        app[MAILER].wake.set()
    return await read(app, build)


async def agenda_ics(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    calendar = await calendar_file(request.app, person)
    return web.Response(
        body=calendar.text.encode("utf-8"),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="agenda.ics"'},
    )


async def new_feed_link(request: web.Request) -> web.StreamResponse:
    """Make (or replace) the participant's calendar subscription link; shown once."""
    person = await auth.participant(request)

    def act(session: Session) -> str:
        fresh = session.get(Participant, person.id)
        assert fresh is not None
        return issue_token(session, fresh, TokenKind.FEED)

    token = await write(request.app, act)
    base = request.app[SETTINGS].base_url
    https = f"{base}/feed/{token}.ics"
    webcal = "webcal://" + https.split("://", 1)[1]
    return page("feed.html", request, {"https": https, "webcal": webcal})


def _ttl(seconds: float) -> float:
    """A cache lifetime with jitter, so entries filled together do not all expire (and
    get rebuilt) in the same instant."""
    return seconds * (1.0 + random.random() * 0.5)


async def feed(request: web.Request) -> web.StreamResponse:
    """The calendar subscription: conditional GET (ETag / Last-Modified → 304)."""
    token = request.match_info["token"]
    base = request.app[SETTINGS].base_url
    reminder = request.app[SETTINGS].calendar_reminder_minutes

    def identify(session: Session) -> tuple[Participant, tuple[int, int] | None]:
        person = participant_for_token(session, token, TokenKind.FEED)
        version = published_edition(session, person.fair_id)
        return person, version

    person, edition = await read(request.app, identify)
    # Calendars are built from the published version, which changes only by its revisions
    # during the fair (`fair.freed`); a short-lived cache per participant, version and
    # revision makes polling clients (and 304s) cheap while re-imported names or notes
    # still show within a minute.
    cache = request.app[FEED_CACHE]
    key = (person.id or 0, edition or (0, 0), reminder, base)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        calendar = hit[1]
    else:
        calendar = await calendar_file(request.app, person)
        if len(cache) > 20_000:
            cache.clear()
        cache[key] = (now + _ttl(FEED_CACHE_SECONDS), calendar)
    body = calendar.text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": 'inline; filename="agenda.ics"',
    }
    changed = calendar.last_modified
    if changed is not None:
        headers["Last-Modified"] = format_datetime(changed.astimezone(UTC), usegmt=True)
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    since = request.if_modified_since
    if (
        "If-None-Match" not in request.headers
        and since is not None
        and changed is not None
        and changed.replace(microsecond=0) <= since
    ):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="text/calendar", charset="utf-8", headers=headers)
