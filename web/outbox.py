"""The organiser's invitations and outbox: invite everyone (or the participants page's
filter) not yet invited, and watch the outbox deliver — counts by state, the progress of
the invitations, the messages waiting for a retry and those refused for good with the
SMTP server's answer, each with a retry button.

Everything here is organiser-only; the status JSON feeds `static/outbox.js`, which
refreshes the page's figures by itself.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from typing import Any

from aiohttp import web
from sqlmodel import Session

from fair import invitations, notify, queries
from fair.errors import NotFound
from web import auth
from web.db import read
from web.keys import ENGINE, MAILER, SETTINGS
from web.render import page

log = logging.getLogger("fair.web")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/organiser/participants/invite", invite, name="invite")
    r.add_get("/organiser/outbox", outbox_page, name="outbox")
    r.add_get("/organiser/outbox/status", outbox_status, name="outbox_status")
    r.add_post("/organiser/outbox/{name}/retry", retry, name="outbox_retry")


def _choice(form: Any) -> invitations.Choice:
    """The participants page's filter, when the organiser invites "those shown"."""
    if str(form.get("scope", "all")) != "filter":
        return invitations.Choice()
    return invitations.Choice(
        country=str(form.get("country", "")).strip(),
        role=str(form.get("role", "")).strip(),
        search=str(form.get("q", "")).strip(),
    )


async def invite(request: web.Request) -> web.StreamResponse:
    """Invite everyone chosen who was not invited yet, in the background (a thousand
    invitations take a while); the outbox page shows them being queued and sent. A
    second click invites nobody new."""
    await auth.organiser(request)
    form = await request.post()
    choice = _choice(form)
    count = await read(request.app, invitations.count_new, choice)
    if count:
        invite_in_background(request.app, choice)
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response({"inviting": count}, status=202)
    url = request.app.router["outbox"].url_for().with_query(invited=str(count))
    raise web.HTTPSeeOther(url)


def invite_in_background(app: web.Application, choice: invitations.Choice) -> asyncio.Task[Any]:
    """Run the invitations batch by batch off the event loop, waking the sender after
    each committed batch."""
    mailer = app[MAILER]
    loop = asyncio.get_running_loop()

    def wake(_count: int) -> None:
        loop.call_soon_threadsafe(mailer.wake.set)

    async def work() -> None:
        try:
            await loop.run_in_executor(
                None, invitations.invite_and_queue, app[ENGINE], app[SETTINGS], choice, 100, wake
            )
        except Exception:
            log.exception("the invitation run stopped; those not invited yet can be invited again")

    task = asyncio.create_task(work())
    mailer.tasks.add(task)
    task.add_done_callback(mailer.tasks.discard)
    return task


def _status(session: Session, outbox: notify.Outbox) -> dict[str, Any]:
    fair = queries.first_fair(session)
    if fair is None or fair.id is None:
        raise NotFound("no fair has been imported yet")
    people = queries.participant_rows(session, fair.id)
    progress = dict.fromkeys(notify.STATES, 0)
    for p in people:
        if p.invitation:
            progress[outbox.state(p.invitation).state] += 1
    invited = sum(1 for p in people if p.invited_at is not None)
    troubles = outbox.troubles()
    names = {p.key: p.name for p in people}
    return {
        "participants": len(people),
        "invited": invited,
        "not_invited": len(people) - invited,
        "invitations": progress,
        "outbox": outbox.counts(),
        "troubles": [
            asdict(t)
            | {
                "next_try": t.next_try.isoformat() if t.next_try else None,
                "name_of": names.get(t.participant, ""),
            }
            for t in troubles
        ],
    }


async def _load(request: web.Request) -> dict[str, Any]:
    await auth.organiser(request)
    outbox = notify.Outbox(request.app[SETTINGS].smtp_outbox)
    return await read(request.app, _status, outbox)


async def outbox_page(request: web.Request) -> web.StreamResponse:
    status = await _load(request)
    settings = request.app[SETTINGS]
    context = {
        "status": status,
        "invited_now": request.query.get("invited", ""),
        "smtp": bool(settings.smtp_host),
        "outbox_dir": settings.smtp_outbox,
    }
    return page("outbox.html", request, context)


async def outbox_status(request: web.Request) -> web.StreamResponse:
    return web.json_response(await _load(request), headers={"Cache-Control": "no-store"})


async def retry(request: web.Request) -> web.StreamResponse:
    """Put a message refused for good back in the queue and wake the sender."""
    await auth.organiser(request)
    name = request.match_info["name"]
    outbox = notify.Outbox(request.app[SETTINGS].smtp_outbox)
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(request.app[MAILER].executor, outbox.retry, name):
        raise NotFound("no such message among the failed ones")
    request.app[MAILER].wake.set()
    raise web.HTTPSeeOther(request.app.router["outbox"].url_for())
