"""The participant portal's request and availability pages.

Thin handlers over `fair.requests`: each checks who is asking, calls the use case in a
database thread and renders. Forms post with the session's CSRF token and redirect after
a successful post (`?done=` picks a fixed notice); a refused form is shown again with
what was typed and the error next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy
from sqlmodel import Session

from fair import availability as av
from fair import requests as rq
from fair.errors import Conflict
from fair.models import Company, Fair, Participant
from fair.rules import DEFAULT_PRIORITY, PRIORITIES
from web import auth, zones
from web.db import read, write
from web.render import page

NOTICES = ("sent", "accepted", "declined", "withdrawn", "saved")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/me/requests", requests_page, name="portal_requests")
    r.add_post("/me/requests", send, name="portal_send")
    r.add_post("/me/requests/{id:\\d+}/accept", accept, name="portal_accept")
    r.add_post("/me/requests/{id:\\d+}/decline", decline, name="portal_decline")
    r.add_post("/me/requests/{id:\\d+}/withdraw", withdraw, name="portal_withdraw")
    r.add_get("/me/availability", availability_page, name="portal_availability")
    r.add_post("/me/availability", save_availability, name="portal_availability_post")


def _done(request: web.Request, name: str, what: str, anchor: str = "") -> web.HTTPFound:
    url = request.app.router[name].url_for().with_query(done=what)
    return web.HTTPFound(f"{url}{anchor}")


# ---------------------------------------------------------------------------- requests


async def _requests_page(
    request: web.Request,
    person: Participant,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error_request: int | None = None,
    alert: str = "",
    status: int = 200,
) -> web.Response:
    search = request.query.get("q", "").strip()
    role = request.query.get("role", "")
    wanted = (form or {}).get("to") or request.query.get("to", "").strip()

    def load(session: Session) -> dict[str, Any]:
        fair = session.get(Fair, person.fair_id)
        assert fair is not None
        entries = rq.directory(session, person, search, role)
        found = rq.directory(session, person, wanted) if wanted else []
        target = next((e for e in found if e.key == wanted), None)
        return {
            "fair": fair,
            "mine": rq.my_requests(session, person),
            "entries": entries,
            "target": target,
            "longest": rq.longest_run(session, fair),
        }

    data = await read(request.app, load)
    mine: rq.MyRequests = data["mine"]
    done = request.query.get("done", "")
    context = {
        **data,
        "person": person,
        "q": search,
        "role": role,
        "roles": rq.BOOKABLE_ROLES,
        "modes": rq.MODES,
        "priorities": PRIORITIES,
        "form": {
            "to": wanted,
            "priority": str(DEFAULT_PRIORITY),
            "mode": "either",
            "length": "1",
            **(form or {}),
        },
        "errors": errors or {},
        "error_request": error_request,
        "alert": alert,
        "done": done if done in NOTICES else "",
        "waiting": sum(1 for v in mine.received if v.pending),
        "open_sent": sum(1 for v in mine.sent if v.pending),
        "agreed": sum(1 for v in (*mine.sent, *mine.received) if v.status == "accepted"),
    }
    return page("portal_requests.html", request, context, status=status)


async def requests_page(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    return await _requests_page(request, person)


def _fields(form: MultiDictProxy[Any], *names: str) -> dict[str, str]:
    return {n: str(form.get(n, "")).strip() for n in names}


async def send(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    values = _fields(await request.post(), "to", "priority", "mode", "length")
    try:
        await write(
            request.app,
            rq.send_request,
            person,
            values["to"],
            values["priority"],
            values["mode"],
            values["length"],
        )
    except rq.FieldError as exc:
        return await _requests_page(
            request, person, form=values, errors={exc.field: exc.detail}, status=422
        )
    raise _done(request, "portal_requests", "sent", "#sent")


async def _decide(request: web.Request, action: str) -> web.StreamResponse:
    person = await auth.participant(request)
    request_id = int(request.match_info["id"])
    form = await request.post()
    try:
        if action == "accepted":
            await write(
                request.app,
                rq.accept_request,
                person,
                request_id,
                str(form.get("to_priority", "")).strip() or None,
            )
        elif action == "declined":
            await write(request.app, rq.decline_request, person, request_id)
        else:
            await write(request.app, rq.withdraw_request, person, request_id)
    except rq.FieldError as exc:
        return await _requests_page(
            request,
            person,
            errors={exc.field: exc.detail},
            error_request=request_id,
            status=422,
        )
    except Conflict as exc:
        return await _requests_page(request, person, alert=str(exc), status=409)
    anchor = "#sent" if action == "withdrawn" else "#received"
    raise _done(request, "portal_requests", action, anchor)


async def accept(request: web.Request) -> web.StreamResponse:
    return await _decide(request, "accepted")


async def decline(request: web.Request) -> web.StreamResponse:
    return await _decide(request, "declined")


async def withdraw(request: web.Request) -> web.StreamResponse:
    return await _decide(request, "withdrawn")


# ------------------------------------------------------------------------ availability


def _local_hours(view: av.Availability, zone: str) -> list[dict[str, Any]]:
    """Each fair day's opening hours in the fair's zone and in `zone`."""
    fair_zone, mine = ZoneInfo(view.fair_timezone), ZoneInfo(zone)
    start_text, end_text = view.fair_hours.split("-")
    start = time.fromisoformat(start_text)
    end = time.max if end_text == "24:00" else time.fromisoformat(end_text)
    days = []
    for number, day in enumerate(view.fair_days, start=1):
        opens = datetime.combine(day, start, fair_zone).astimezone(UTC)
        closes = datetime.combine(day, end, fair_zone).astimezone(UTC)
        days.append(
            {
                "number": number,
                "date": day,
                "local": f"{opens.astimezone(mine):%H:%M}–{closes.astimezone(mine):%H:%M}",
                "local_date": opens.astimezone(mine).date(),
            }
        )
    return days


async def _availability_page(
    request: web.Request,
    person: Participant,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    view = await read(request.app, av.availability, person)
    country = await read(request.app, _country_of, person)
    values: dict[str, Any] = {
        "timezone": view.timezone,
        "onsite_days": [str(d) for d in view.onsite_days],
        "windows": list(view.windows),
        **(form or {}),
    }
    values.setdefault("dates", _date_modes(view.dates))
    filled = [w for w in values["windows"] if w]
    windows = filled + [""] * max(2, 3 - len(filled))
    zone = values["timezone"] if values["timezone"] in TIMEZONES else view.timezone
    done = request.query.get("done", "")
    context = {
        "person": person,
        "view": view,
        "form": values,
        "window_rows": windows,
        "errors": errors or {},
        "days": _local_hours(view, zone),
        "date_rows": _date_rows(view, values["dates"]),
        "zone": zone,
        "timezones": zones.choices(TIMEZONES, country),
        "done": done if done in NOTICES else "",
    }
    return page("portal_availability.html", request, context, status=status)


TIMEZONES = av.known_timezones()


def _country_of(session: Session, person: Participant) -> str:
    company = session.get(Company, person.company_id)
    return company.country if company else ""


async def availability_page(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    return await _availability_page(request, person)


def _date_modes(dates: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, str]]:
    """Stored own hours per date as the form's (choice, hours) per ISO date."""
    return {d: ("hours", " ".join(w)) if w else ("away", "") for d, w in dates.items()}


def _date_rows(view: av.Availability, modes: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per date of the person's own calendar that the fair touches (and any
    other date that has hours of its own): as usual, away, or its own hours."""
    days = sorted({d.isoformat() for d in view.local_dates} | set(view.dates) | set(modes))
    return [
        {
            "iso": d,
            "date": date.fromisoformat(d),
            "mode": modes.get(d, ("usual", ""))[0],
            "hours": modes.get(d, ("usual", ""))[1],
        }
        for d in days
    ]


def _form_dates(form: Mapping[str, Any], days: Sequence[str]) -> dict[str, tuple[str, str]]:
    """The per-date part of the form: for each date, its choice and the hours typed."""
    out: dict[str, tuple[str, str]] = {}
    for d in days:
        mode = str(form.get(f"date-{d}", "usual"))
        hours = str(form.get(f"hours-{d}", "")).strip()
        out[d] = (mode if mode in ("usual", "away", "hours") else "usual", hours)
    return out


def _checked_dates(modes: Mapping[str, tuple[str, str]]) -> dict[str, list[str]]:
    """The per-date choices as `fair.availability` takes them: away is no windows, own
    hours are the windows typed (typing hours chooses them), as usual is left out."""
    dates: dict[str, list[str]] = {}
    for d, (mode, hours) in modes.items():
        if mode == "away":
            dates[d] = []
        elif hours:
            dates[d] = re.split(r"[\s;,]+", hours)
        elif mode == "hours":
            raise rq.FieldError("dates", f"{d}: enter the hours, or choose away")
    return dates


async def save_availability(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    form = await request.post()
    view = await read(request.app, av.availability, person)
    days = sorted({d.isoformat() for d in view.local_dates} | set(view.dates))
    dates = _form_dates(form, days)
    values: dict[str, Any] = {
        "onsite_days": [str(v) for v in form.getall("onsite_days", [])],
        "windows": [str(v).strip() for v in form.getall("windows", [])],
        "timezone": str(form.get("timezone", "")).strip(),
        "dates": dates,
    }
    try:
        await write(
            request.app,
            av.set_availability,
            person,
            values["onsite_days"],
            values["windows"],
            values["timezone"],
            _checked_dates(dates),
        )
    except rq.FieldError as exc:
        return await _availability_page(
            request, person, form=values, errors={exc.field: exc.detail}, status=422
        )
    raise _done(request, "portal_availability", "saved")
