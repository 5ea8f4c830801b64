"""The JSON API under /api/: everything the pages do, for scripts and other front ends.

Authentication is the same signed session cookie as the pages (a participant opens their
personal link, the organiser signs in); writes also need the session's CSRF token in the
`X-CSRF-Token` header (GET /api/session returns it). Errors come back as
`{"error": {"status", "message", ...}}`: 400 for a body that is not a JSON object,
422 with `field` for a missing or wrong field, 401 signed out, 403 wrong role or not a
party, 404, 409 (the body and path checks are `web.api_input`). The OpenAPI document
(web/openapi.py) is served at /api/openapi.json.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session, col, select

from fair import availability as av
from fair import queries
from fair import requests as rq
from fair.charts import fair_charts
from fair.deals import fair_deals
from fair.errors import NotFound
from fair.export import grid_rows
from fair.models import Company, Fair, ScheduleVersion
from fair.publishing import VersionDiff, publish
from fair.report import report_rows
from fair.rules import DEFAULT_PRIORITY
from fair.versions import get_version
from web import agenda_books, auth, calendar_routes, openapi
from web.api_input import Field, Json, body, guard, path_number
from web.db import read, write
from web.keys import SESSION, SETTINGS


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/openapi.json", openapi_document, name="api_openapi")
    r.add_get("/api/session", session_info, name="api_session")
    r.add_get("/api/fair", fair_summary, name="api_fair")
    r.add_get("/api/me", me, name="api_me")
    r.add_get("/api/me/requests", my_requests, name="api_my_requests")
    r.add_post("/api/me/requests", send_request, name="api_send_request")
    r.add_post("/api/me/requests/{id:\\d+}/accept", accept_request, name="api_accept")
    r.add_post("/api/me/requests/{id:\\d+}/decline", decline_request, name="api_decline")
    r.add_post("/api/me/requests/{id:\\d+}/withdraw", withdraw_request, name="api_withdraw")
    r.add_get("/api/me/availability", get_availability, name="api_availability")
    r.add_put("/api/me/availability", put_availability, name="api_put_availability")
    r.add_get("/api/participants", participants, name="api_participants")
    r.add_get("/api/requests", all_requests, name="api_requests")
    r.add_get("/api/schedule", schedule, name="api_schedule")
    r.add_get("/api/schedule/{number:\\d+}/meetings", meetings, name="api_meetings")
    r.add_post("/api/schedule/{number:\\d+}/publish", publish_version, name="api_publish")
    r.add_get("/api/deals", deals, name="api_deals")
    r.add_get("/api/reports/{report:deals|companies|orders}", report, name="api_report")
    r.add_get("/api/charts", charts, name="api_charts")


# ---------------------------------------------------------------------- serialisation


def request_json(v: rq.RequestView) -> Json:
    return {
        "id": v.id,
        "key": v.key,
        "direction": v.direction,
        "counterpart": {
            "id": v.counterpart_key,
            "name": v.counterpart_name,
            "company": v.counterpart_company,
            "country": v.counterpart_country,
            "role": v.counterpart_role,
        },
        "priority": v.priority,
        "to_priority": v.to_priority,
        "mode": v.mode,
        "length": v.length,
        "status": v.status,
        "created_at": v.created_at.isoformat(),
    }


def availability_json(a: av.Availability) -> Json:
    return {
        "timezone": a.timezone,
        "onsite_days": list(a.onsite_days),
        "windows": list(a.windows),
        "dates": {d: list(w) for d, w in a.dates.items()},
        "fair": {
            "timezone": a.fair_timezone,
            "days": [d.isoformat() for d in a.fair_days],
            "hours": a.fair_hours,
        },
    }


def version_json(v: ScheduleVersion) -> Json:
    return {
        "number": v.number,
        "status": v.status,
        "created_at": v.created_at.isoformat(),
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "method": v.method,
        "seed": v.seed,
        "workers": v.workers,
        "time_limit": v.time_limit,
        "figures": v.figures,
    }


def _fair_of(session: Session) -> Fair:
    fair = queries.first_fair(session)
    if fair is None or fair.id is None:
        raise NotFound("no fair has been imported yet")
    return fair


# ------------------------------------------------------------------------------ public


async def openapi_document(request: web.Request) -> web.StreamResponse:
    return web.json_response(openapi.document())


async def session_info(request: web.Request) -> web.StreamResponse:
    """Who the session cookie belongs to, and the CSRF token its writes must send."""
    data = request.get(SESSION, {})
    role = "organiser" if "o" in data else "participant" if "p" in data else None
    return web.json_response({"role": role, "csrf": data.get("csrf") if role else None})


async def fair_summary(request: web.Request) -> web.StreamResponse:
    def load(session: Session) -> queries.Overview:
        fair = _fair_of(session)
        assert fair.id is not None
        return queries.overview(session, fair.id)

    o = await read(request.app, load)
    f = o.fair
    return web.json_response(
        {
            "name": f.name,
            "timezone": f.timezone,
            "start": f.start.isoformat(),
            "days": f.days,
            "day_start": f"{f.day_start:%H:%M}",
            "day_end": f"{f.day_end:%H:%M}",
            "slot_minutes": f.slot_minutes,
            "currency": f.currency,
            "counts": {
                "pavilions": o.pavilions,
                "booths": o.booths,
                "tables": o.tables,
                "companies": o.companies,
                "participants": o.participants,
                "products": o.products,
                "requests": o.requests,
                "accepted": o.accepted,
            },
            "countries": [{"country": c, "companies": n} for c, n in o.countries],
            "published": (
                {
                    "number": o.published.number,
                    "published_at": (
                        o.published.published_at.isoformat() if o.published.published_at else None
                    ),
                }
                if o.published
                else None
            ),
        }
    )


# ------------------------------------------------------------------------- participant


async def me(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)

    def load(session: Session) -> tuple[Company | None, list[queries.AgendaItem]]:
        return session.get(Company, person.company_id), queries.agenda(session, person)

    company, items = await read(request.app, load)
    return web.json_response(
        {
            "participant": {
                "id": person.key,
                "name": person.name,
                "email": person.email,
                "timezone": person.timezone,
                "languages": list(person.languages),
                "company": company.name if company else "",
                "country": company.country if company else "",
                "role": company.role if company else "",
            },
            "meetings": [
                {
                    "uid": i.uid,
                    "start": i.start.isoformat(),
                    "end": i.end.isoformat(),
                    "counterpart": i.counterpart,
                    "company": i.counterpart_company,
                    "place_kind": i.place_kind,
                    "place": i.place,
                    "status": i.status,
                }
                for i in items
            ],
        }
    )


async def my_requests(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    mine = await read(request.app, rq.my_requests, person)
    return web.json_response(
        {
            "sent": [request_json(v) for v in mine.sent],
            "received": [request_json(v) for v in mine.received],
        }
    )


SEND_FIELDS = (
    Field("to", "string", required=True),
    Field("priority", "integer"),
    Field("mode", "string"),
    Field("length", "integer"),
)


async def send_request(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)

    async def act() -> web.StreamResponse:
        data = await body(request, SEND_FIELDS)
        view = await write(
            request.app,
            rq.send_request,
            person,
            data["to"],
            data.get("priority", DEFAULT_PRIORITY),
            data.get("mode", "either"),
            data.get("length", 1),
        )
        return web.json_response({"request": request_json(view)}, status=201)

    return await guard(request, act)


def _request_id(request: web.Request) -> int:
    return path_number(request, "id")


async def accept_request(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)

    async def act() -> web.StreamResponse:
        data = await body(request, (Field("to_priority", "integer|null"),))
        view = await write(
            request.app, rq.accept_request, person, _request_id(request), data.get("to_priority")
        )
        return web.json_response({"request": request_json(view)})

    return await guard(request, act)


async def decline_request(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)

    async def act() -> web.StreamResponse:
        await body(request, ())
        view = await write(request.app, rq.decline_request, person, _request_id(request))
        return web.json_response({"request": request_json(view)})

    return await guard(request, act)


async def withdraw_request(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)

    async def act() -> web.StreamResponse:
        await body(request, ())
        view = await write(request.app, rq.withdraw_request, person, _request_id(request))
        return web.json_response({"request": request_json(view), "withdrawn": True})

    return await guard(request, act)


async def get_availability(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    return web.json_response(availability_json(await read(request.app, av.availability, person)))


AVAILABILITY_FIELDS = (
    Field("onsite_days", "array<integer>", required=True),
    Field("windows", "array<string>", required=True),
    Field("timezone", "string", required=True),
    Field("dates", "object<array<string>>"),
)


async def put_availability(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)

    async def act() -> web.StreamResponse:
        data = await body(request, AVAILABILITY_FIELDS)
        view = await write(
            request.app,
            av.set_availability,
            person,
            data["onsite_days"],
            data["windows"],
            data["timezone"],
            data.get("dates"),
        )
        return web.json_response(availability_json(view))

    return await guard(request, act)


# --------------------------------------------------------------------------- organiser


async def participants(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    search = request.query.get("q", "").strip().lower()
    country = request.query.get("country", "").strip().upper()

    def load(session: Session) -> list[queries.ParticipantRow]:
        fair = _fair_of(session)
        assert fair.id is not None
        return queries.participant_rows(session, fair.id)

    rows = [
        r
        for r in await read(request.app, load)
        if (not country or r.country == country)
        and (not search or search in f"{r.key} {r.name} {r.company} {r.email}".lower())
    ]
    return web.json_response(
        {
            "participants": [
                {
                    "id": r.key,
                    "name": r.name,
                    "email": r.email,
                    "company": r.company,
                    "role": r.role,
                    "country": r.country,
                    "timezone": r.timezone,
                    "onsite_days": list(r.onsite_days),
                    "meetings": r.meetings,
                    "requests": r.requests,
                    "has_link": r.has_link,
                }
                for r in rows
            ]
        }
    )


async def all_requests(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    status = request.query.get("status", "")

    def load(session: Session) -> list[rq.RequestRow]:
        fair = _fair_of(session)
        assert fair.id is not None
        return rq.fair_requests(session, fair.id, status)

    async def act() -> web.StreamResponse:
        rows = await read(request.app, load)
        return web.json_response(
            {
                "requests": [
                    {
                        "id": r.id,
                        "key": r.key,
                        "from": {"id": r.from_key, "company": r.from_company},
                        "to": {"id": r.to_key, "company": r.to_company},
                        "priority": r.priority,
                        "to_priority": r.to_priority,
                        "mode": r.mode,
                        "length": r.length,
                        "status": r.status,
                        "third_seat": r.third_seat,
                        "created_at": r.created_at.isoformat(),
                    }
                    for r in rows
                ]
            }
        )

    return await guard(request, act)


async def schedule(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)

    def load(session: Session) -> list[ScheduleVersion]:
        fair = _fair_of(session)
        return list(
            session.exec(
                select(ScheduleVersion)
                .where(ScheduleVersion.fair_id == fair.id)
                .order_by(col(ScheduleVersion.number).desc())
            ).all()
        )

    versions = await read(request.app, load)
    return web.json_response({"versions": [version_json(v) for v in versions]})


async def meetings(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    number = path_number(request, "number")

    def load(session: Session) -> tuple[ScheduleVersion, list[dict[str, Any]]]:
        fair = _fair_of(session)
        assert fair.id is not None
        version = get_version(session, fair.id, number)
        return version, grid_rows(session, version)

    version, rows = await read(request.app, load)
    return web.json_response({"version": version_json(version), "meetings": rows})


async def publish_version(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    number = path_number(request, "number")

    def act(session: Session) -> tuple[int, VersionDiff, Json]:
        fair = _fair_of(session)
        assert fair.id is not None
        diff = publish(session, fair.id, number)
        return (
            fair.id,
            diff,
            {
                "version": version_json(get_version(session, fair.id, number)),
                "changes": {
                    "kept": len(diff.kept),
                    "moved": len(diff.moved),
                    "new": len(diff.new),
                    "cancelled": len(diff.cancelled),
                },
            },
        )

    fair_id, diff, body = await write(request.app, act)
    # Only after the commit: tell the people whose meetings changed (in the background).
    calendar_routes.schedule_changed(request.app, fair_id, diff)
    agenda_books.published(request.app, fair_id)
    return web.json_response(body)


async def deals(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)

    def load(session: Session) -> list[dict[str, Any]]:
        fair = _fair_of(session)
        assert fair.id is not None
        return fair_deals(session, fair.id)

    return web.json_response({"deals": await read(request.app, load)})


async def report(request: web.Request) -> web.StreamResponse:
    """A report (`fair.report`): `deals`, `companies` or `orders`, as `{"rows": [...]}`."""
    await auth.organiser(request)
    name = request.match_info["report"]
    rates = request.app[SETTINGS].rates

    def load(session: Session) -> list[dict[str, Any]]:
        fair = _fair_of(session)
        return report_rows(session, fair.id or 0, name, rates)

    return web.json_response({"report": name, "rows": await read(request.app, load)})


async def charts(request: web.Request) -> web.StreamResponse:
    """The live dashboard's chart figures (`fair.charts`)."""
    await auth.organiser(request)
    rates = request.app[SETTINGS].rates

    def load(session: Session) -> dict[str, Any]:
        fair = _fair_of(session)
        return fair_charts(session, fair.id or 0, rates)

    return web.json_response(await read(request.app, load))
