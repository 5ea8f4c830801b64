"""Calendar pages and the mail worker: busy-time upload, the organiser's fair-wide
calendar, e-mailing personal links, and notifying participants after a publication.

Mail never goes out on the request path: handlers queue messages in the outbox folder
(`fair.notify`) from the database thread pool, and a background task delivers the queue
over SMTP when `smtp.host` is set — woken after each publication and every minute, so
a message that failed is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel import Session

from fair import busy, invitations, notify, queries
from fair.errors import InvalidInput, NotFound
from fair.ical import fair_calendar_file
from fair.models import Fair, Participant
from fair.publishing import VersionDiff
from web import auth
from web.db import one_writer, read, write
from web.keys import ENGINE, MAILER, SESSIONS_ENDED, SETTINGS, Mailer
from web.render import page

log = logging.getLogger("fair.web")
RETRY_SECONDS = 60.0


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/me/busy", busy_page, name="calendar_busy")
    r.add_post("/me/busy", busy_upload, name="calendar_busy_post")
    r.add_get("/organiser/calendar.ics", organiser_calendar, name="calendar_fair_ics")
    r.add_post("/organiser/participants/{key}/email-link", email_link, name="calendar_email_link")
    app.cleanup_ctx.append(mailer_ctx)
    app.on_shutdown.append(_stop_busy_workers)


async def _stop_busy_workers(app: web.Application) -> None:
    """A busy-time upload being read when the server stops is refused at once rather
    than holding the shutdown for its time budget."""
    busy.stop_workers()


# ---------------------------------------------------------------------------- mail


async def mailer_ctx(app: web.Application) -> AsyncIterator[None]:
    mailer = Mailer(ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail"))
    app[MAILER] = mailer
    worker = asyncio.create_task(_deliver_forever(app, mailer))
    yield
    worker.cancel()
    for task in list(mailer.tasks):
        with contextlib.suppress(Exception):  # already logged by the task
            await task
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    mailer.executor.shutdown(wait=True, cancel_futures=True)


async def _deliver_forever(app: web.Application, mailer: Mailer) -> None:
    settings = app[SETTINGS]
    loop = asyncio.get_running_loop()
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(mailer.wake.wait(), timeout=RETRY_SECONDS)
        mailer.wake.clear()
        if not settings.smtp_host:
            continue
        try:
            await loop.run_in_executor(mailer.executor, notify.deliver, settings)
        except Exception:
            log.exception("mail delivery failed; retrying in %.0fs", RETRY_SECONDS)


def _spawn(app: web.Application, work: Any) -> asyncio.Task[Any]:
    mailer = app[MAILER]
    task = asyncio.create_task(work)
    mailer.tasks.add(task)
    task.add_done_callback(mailer.tasks.discard)
    return task


def _queue_in_background(
    app: web.Application, what: str, fn: Any, *args: object
) -> asyncio.Task[Any]:
    """Run the e-mail queueing `fn(engine, *args, settings)` in the mailer's thread, in
    the background, and wake the sender when it queued anything. It is a write (it
    records the calendars it tells): on SQLite it takes its turn with the pages' writes
    (`web.db.one_writer`), so a save meanwhile waits instead of failing. Measured: the
    check at start of a fair with 500 mails due held SQLite's write lock for 15 s under
    load, and a grid move meanwhile was answered 503 after SQLite's 10 s busy timeout."""

    async def work() -> None:
        settings = app[SETTINGS]
        try:
            async with one_writer(app):
                paths = await asyncio.get_running_loop().run_in_executor(
                    app[MAILER].executor, fn, app[ENGINE], *args, settings
                )
        except Exception:
            log.exception("could not queue %s", what)
            return
        if paths:
            app[MAILER].wake.set()

    return _spawn(app, work())


def schedule_changed(app: web.Application, fair_id: int, diff: VersionDiff) -> asyncio.Task[Any]:
    """After a publication has committed: queue the change notices and wake the sender,
    in the background (the caller does not wait)."""
    return _queue_in_background(
        app,
        f"the schedule-change e-mails of fair {fair_id}",
        notify.queue_schedule_changes,
        fair_id,
        diff,
    )


def calendars_changed(app: web.Application, fair_id: int) -> asyncio.Task[Any]:
    """After an import has committed (names, colleagues): record the calendars, queue
    the iTIP messages of the people whose events changed and wake the sender, in the
    background."""
    return _queue_in_background(
        app,
        f"the calendar-change e-mails of fair {fair_id}",
        notify.queue_calendar_changes,
        fair_id,
    )


async def send_missed(app: web.Application) -> None:
    """At start (`fair serve`): queue the e-mails of a publication whose process stopped
    between its commit and its e-mails, in the background."""
    _queue_in_background(app, "the e-mails a stopped process had not sent", notify.queue_missed)


async def email_link(request: web.Request) -> web.StreamResponse:
    """Invite a participant again, with a new personal link (the old one stops working)."""
    await auth.organiser(request)
    key = request.match_info["key"]
    settings = request.app[SETTINGS]
    notice = await write(request.app, invitations.resend, settings, key)
    await queue_and_wake(request.app, [notice])  # committed: the link in the message works
    request.app[SESSIONS_ENDED]()  # the replaced link's open rooms close
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response(
            {"queued": True, "participant": key, "message": notice.name}, status=202
        )
    return page("calendar_sent.html", request, {"name": notice.participant_key, "key": key})


async def queue_and_wake(app: web.Application, notices: list[notify.Notice]) -> None:
    """Write committed messages to the outbox (off the event loop) and wake the sender."""
    if not notices:
        return
    await asyncio.get_running_loop().run_in_executor(
        app[MAILER].executor, notify.queue, app[SETTINGS], notices
    )
    app[MAILER].wake.set()


# ---------------------------------------------------------------------------- busy times


def _busy_rows(session: Session, person: Participant) -> list[dict[str, str]]:
    zone = ZoneInfo(person.timezone)
    rows = []
    for b in busy.busy_times(session, person):
        start, end = b.start.astimezone(zone), b.end.astimezone(zone)
        same_day = end.date() == start.date() or end == end.replace(hour=0, minute=0)
        until = (
            f"{end:%H:%M}" if same_day and end.date() == start.date() else f"{end:%a %d %b %H:%M}"
        )
        rows.append(
            {
                "start": b.start.isoformat(),
                "end": b.end.isoformat(),
                "local": f"{start:%a %d %b %H:%M}–{until}",
                "source": b.source,
            }
        )
    return rows


async def _render_busy(
    request: web.Request, person: Participant, error: str = "", status: int = 200
) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        return {"fair": session.get(Fair, person.fair_id), "rows": _busy_rows(session, person)}

    data = await read(request.app, load)
    return page(
        "calendar_busy.html",
        request,
        {
            **data,
            "person": person,
            "error": error,
            "done": request.query.get("done", ""),
            "max_mib": busy.MAX_BYTES // 1024 // 1024,
        },
        status=status,
    )


async def busy_page(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    return await _render_busy(request, person)


async def _store(request: web.Request, person: Participant, data: bytes) -> int:
    """Read the file in a worker process under its budget (no database thread waits on
    it), then replace the stored busy times."""

    def window(session: Session) -> tuple[datetime, datetime]:
        fresh = session.get(Participant, person.id)
        assert fresh is not None
        return busy.person_window(session, fresh)

    start, end = await read(request.app, window)
    budget = busy.Budget(seconds=request.app[SETTINGS].calendar_upload_seconds)
    found = await busy.read_busy(data, start, end, person.timezone, budget)

    def act(session: Session) -> int:
        fresh = session.get(Participant, person.id)
        assert fresh is not None
        return len(busy.store_busy(session, fresh, found))

    return await write(request.app, act)


async def busy_upload(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return await _render_busy(request, person, "Choose an .ics file to upload.", 400)
    data = upload.file.read(busy.MAX_BYTES + 1)
    try:
        count = await _store(request, person, data)
    except InvalidInput as exc:
        return await _render_busy(request, person, str(exc), 400)
    url = request.app.router["calendar_busy"].url_for().with_query(done=str(count))
    raise web.HTTPFound(url)


# ---------------------------------------------------------------------------- organiser


async def organiser_calendar(request: web.Request) -> web.StreamResponse:
    """Every published meeting and roadshow as one calendar, or one booth's/table's
    meetings (`?place=KEY`)."""
    await auth.organiser(request)
    place = request.query.get("place", "").strip() or None
    settings = request.app[SETTINGS]

    def load(session: Session) -> str:
        fair = queries.first_fair(session)
        if fair is None or fair.id is None:
            raise NotFound("no fair has been imported yet")
        return fair_calendar_file(
            session, fair.id, settings.base_url, place, settings.calendar_reminder_minutes
        ).text

    text = await read(request.app, load)
    name = f"fair-{place}.ics" if place else "fair.ics"
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
