"""The meeting room page (video, chat, deals, countdown) and the organiser's live
dashboard. Both are thin: the page carries the room's id and labels, and the browser
talks to the `/meeting` and `/dashboard` socket.io namespaces (docs/realtime.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session, col, select

from fair import presence
from fair.deals import fair_totals
from fair.models import DealType, Pavilion
from fair.orders import order_totals
from fair.queries import first_fair
from web import auth
from web.db import read
from web.keys import SESSION, SETTINGS
from web.render import page


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/rooms/{uid}", room, name="room")
    r.add_get("/organiser/dashboard", dashboard, name="dashboard")


async def room(request: web.Request) -> web.StreamResponse:
    uid = request.match_info["uid"]
    session = request.get(SESSION, {})
    if session.get("o") is not None:
        await auth.organiser(request)
        pid: int | None = None
    else:
        person = await auth.participant(request)
        pid = person.id
    token_hash = session.get("t", "")

    def load(db: Session) -> tuple[presence.Room, presence.Member | None]:
        return presence.room_for(db, uid, pid, token_hash)

    info, member = await read(request.app, load)
    rates = request.app[SETTINGS].rates
    return page(
        "room.html",
        request,
        {
            "room": info,
            "member": member,
            "currencies": sorted({info.currency, *rates}),
            "deal_types": [t.value for t in DealType],
        },
    )


async def dashboard(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    rates = request.app[SETTINGS].rates

    def load(db: Session) -> dict[str, Any] | None:
        fair = first_fair(db)
        if fair is None or fair.id is None:
            return None
        pavilions = db.exec(
            select(Pavilion).where(Pavilion.fair_id == fair.id).order_by(col(Pavilion.key))
        ).all()
        totals = fair_totals(db, fair.id, rates)
        totals["orders"] = order_totals(db, fair.id, rates)
        return {
            "fair": fair,
            "totals": totals,
            "pavilion_keys": [{"key": p.key, "name": p.name} for p in pavilions],
        }

    data = await read(request.app, load)
    if data is None:
        raise web.HTTPFound(request.app.router["organiser"].url_for())
    return page("dashboard.html", request, data)
