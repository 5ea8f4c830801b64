"""The organiser's control room (`/organiser/control`): every meeting room running now and
next with live presence, filters, the seed's counters, and announcements to the fair, a
pavilion or one room with the list of those sent.

The page is thin: rooms come from `fair.control`, counters from `fair.deals.fair_totals`;
the browser (`web/static/control.js`) refreshes the rooms whenever the `/dashboard`
namespace pushes new totals (a join, a leave, a late notice, a deal, a no-show sweep).
Announcements go through the `Announcer` (`realtime/notices.py`), which stores and sends
them on every process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlmodel import Session

from fair import announcements, control, freed
from fair.deals import fair_totals
from fair.errors import FairError, InvalidInput
from fair.models import Fair
from fair.queries import first_fair
from web import auth
from web.db import read
from web.keys import ANNOUNCER, SETTINGS, SLOT_OFFERS
from web.middleware import STATUS
from web.render import page


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/organiser/control", control_room, name="control")
    r.add_get("/organiser/control/rooms", control_rooms, name="control_rooms")
    r.add_post("/organiser/control/announce", announce, name="control_announce")
    r.add_post("/organiser/control/cancel", cancel, name="control_cancel")
    r.add_post("/organiser/control/offer", offer, name="control_offer")


def _filters(request: web.Request) -> control.Filters:
    query = request.query
    pavilion = query.get("pavilion", "")
    status = query.get("status", "")
    return control.Filters(
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses
        pavilion=int(pavilion)
        if pavilion.isascii() and pavilion.isdigit() and len(pavilion) < 10
        else None,
        country=query.get("country", "")[:2].upper(),
        status=status if status in control.ROOM_STATES else "",
    )


def _rooms(db: Session, filters: control.Filters) -> dict[str, Any] | None:
    fair = first_fair(db)
    if fair is None or fair.id is None:
        return None
    moment = datetime.now(UTC)
    slots = freed.recent(db, fair.id, moment)
    for slot in slots:
        for item in slot.offers:  # the template shows it in the fair's zone
            item["at"] = datetime.fromisoformat(item["start"])
    return {
        "fair": fair,
        "rooms": control.rooms_now_and_next(db, fair.id, moment, filters),
        "filters": filters,
        "freed": slots,
    }


async def control_room(
    request: web.Request,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
    action_error: str = "",
) -> web.StreamResponse:
    await auth.organiser(request)
    filters = _filters(request)
    rates = request.app[SETTINGS].rates

    def load(db: Session) -> dict[str, Any] | None:
        data = _rooms(db, filters)
        if data is None:
            return None
        fair: Fair = data["fair"]
        assert fair.id is not None
        pavilions, countries = control.choices(db, fair.id)
        everywhere = control.rooms_now_and_next(db, fair.id, datetime.now(UTC))
        return {
            **data,
            "pavilions": pavilions,
            "countries": countries,
            "targets": [(r.uid, r.title(), r.start) for r in everywhere],
            "announcements": announcements.recent(db, fair.id),
            "totals": fair_totals(db, fair.id, rates),
        }

    data = await read(request.app, load)
    if data is None:
        raise web.HTTPFound(request.app.router["organiser"].url_for())
    for item in data["announcements"]:
        item["sent"] = datetime.fromisoformat(item["at"])
    context = {
        **data,
        "states": control.ROOM_STATES,
        "error": error,
        "action_error": action_error,
        "done": request.query.get("done", "") if request.method == "GET" else "",
        "form": form or {},
        "max_text": announcements.MAX_TEXT,
    }
    return page("control.html", request, context, status=status)


async def control_rooms(request: web.Request) -> web.StreamResponse:
    """The rooms alone (the same partial as the page), for the page's live refresh."""
    await auth.organiser(request)
    filters = _filters(request)
    data = await read(request.app, lambda db: _rooms(db, filters))
    if data is None:
        raise web.HTTPNotFound(text="no fair has been imported yet")
    response = page("_control_rooms.html", request, data)
    response.headers["Cache-Control"] = "no-store"
    return response


async def announce(request: web.Request) -> web.StreamResponse:
    organiser = await auth.organiser(request)
    form = await request.post()
    to = str(form.get("to", "fair"))[:80]
    text = str(form.get("text", ""))
    scope, _, target = to.partition(":")
    fair = await read(request.app, first_fair)
    if fair is None or fair.id is None:
        raise web.HTTPFound(request.app.router["organiser"].url_for())
    try:
        await request.app[ANNOUNCER].announce(fair.id, scope, target, text, organiser.id)
    except InvalidInput as exc:
        return await control_room(request, str(exc), {"to": to, "text": text[:2000]}, 400)
    raise web.HTTPSeeOther(request.app.router["control"].url_for().with_query(sent="1"))


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel a meeting that has not ended (`fair.freed.cancel_meeting`); its slot is
    offered to the waiting pairs who could use it (`realtime.offers`)."""
    form = await _organiser_form(request)
    uid = str(form.get("uid", ""))[:64]
    return await _act(
        request, "cancelled", lambda fair_id: request.app[SLOT_OFFERS].cancel(fair_id, uid)
    )


async def offer(request: web.Request) -> web.StreamResponse:
    """Offer a waiting proposal for a freed slot to both its sides."""
    form = await _organiser_form(request)
    text = str(form.get("offer", ""))
    offer_id = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0
    return await _act(
        request, "offered", lambda fair_id: request.app[SLOT_OFFERS].offer(fair_id, offer_id)
    )


async def _organiser_form(request: web.Request) -> Any:
    await auth.organiser(request)
    return await request.post()


async def _act(
    request: web.Request, done: str, action: Callable[[int], Awaitable[Any]]
) -> web.StreamResponse:
    """Run one of the control room's actions on the fair; back to the page with `done`,
    or the page with the refusal's reason."""
    fair = await read(request.app, first_fair)
    if fair is None or fair.id is None:
        raise web.HTTPFound(request.app.router["organiser"].url_for())
    try:
        await action(fair.id)
    except FairError as exc:
        return await control_room(request, status=_status(exc), action_error=str(exc))
    raise web.HTTPSeeOther(request.app.router["control"].url_for().with_query(done=done))


def _status(exc: FairError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
