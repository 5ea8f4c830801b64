"""What-if on a schedule version, for the organiser: the levers that would schedule more
of what the version left out (the version page's panel and
`GET /api/schedule/{number}/whatif`), and applying one (`POST .../whatif/apply` from the
panel's form or the API), which changes the fair and starts the console's re-solve.

The levers are computed off the event loop (`fair.whatif.version_levers`, seconds on an
expo-sized fair) and kept per version in `WHATIF_CACHE` while the fair and the version's
meetings stay as they are. A re-solve's progress is the console's (`/organiser`, pushed
over socket.io); its result is a new draft whose page shows the diff against the
published version.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlmodel import Session

from fair import queries
from fair.errors import Conflict, NotFound
from fair.requests import FieldError
from fair.versions import get_version
from fair.whatif import KINDS, Change, WhatIf, apply_lever, version_levers
from scheduler.whatif import Lever
from web import auth
from web.api_input import Field, Json, body, guard, path_number
from web.db import read, write
from web.keys import SETTINGS, SOLVER_RUNS, WHATIF_APPLYING, WHATIF_CACHE

DIRECTIONS = ("earlier", "later")


def setup(app: web.Application) -> None:
    app[WHATIF_CACHE] = {}
    app[WHATIF_APPLYING] = asyncio.Lock()
    r = app.router
    r.add_post("/organiser/versions/{number:\\d+}/whatif/apply", apply_form, name="whatif_apply")
    r.add_get("/api/schedule/{number:\\d+}/whatif", levers_json, name="api_whatif")
    r.add_post("/api/schedule/{number:\\d+}/whatif/apply", apply_json, name="api_whatif_apply")


def _fair_id(session: Session) -> int:
    fair = queries.first_fair(session)
    if fair is None or fair.id is None:
        raise NotFound("no fair has been imported yet")
    return fair.id


async def levers(request: web.Request, number: int) -> WhatIf:
    """The levers of version `number` (the caller has checked the organiser)."""
    cache = request.app[WHATIF_CACHE]

    def load(session: Session) -> WhatIf:
        return version_levers(session, _fair_id(session), number, cache=cache)

    return await read(request.app, load)


async def _apply(request: web.Request, number: int, change: Change) -> tuple[str, dict[str, Any]]:
    """Apply `change` to the fair and start the re-solve; (what changed, the run's state).

    Refused (409) while a solver run is going: it would store a draft of the fair as it
    was before the change. Applies take turns from the check to the run's start: two at
    once both passed the check, changed the fair, and the second missed the re-solve.
    """
    runs = request.app[SOLVER_RUNS]
    fair_id = await read(request.app, _fair_id)

    def act(session: Session) -> str:
        get_version(session, fair_id, number)  # 404 for a version that does not exist
        return apply_lever(session, fair_id, change)

    async with request.app[WHATIF_APPLYING]:
        job = runs.job(fair_id)
        if job is not None and job.state().get("running"):
            raise Conflict("a solver run is going: wait for it or stop it, then apply the lever")
        done = await write(request.app, act)
        started = runs.start(fair_id, request.app[SETTINGS].solver_time_limit)
    return done, started.state()


async def apply_form(request: web.Request) -> web.StreamResponse:
    """The panel's "apply" button: change the fair, re-solve, watch it on the console."""
    await auth.organiser(request)
    number = path_number(request, "number")
    form = await request.post()
    try:
        tables = int(str(form.get("tables", "0")) or "0")
    except ValueError:
        tables = -1  # refused by the domain, naming the field
    change = Change(
        kind=str(form.get("kind", "")),
        pool=str(form.get("pool", "")),
        tables=tables,
        person=str(form.get("person", "")),
        earlier=form.get("direction") == "earlier",
    )
    await _apply(request, number, change)
    raise web.HTTPFound(request.app.router["organiser"].url_for().with_fragment("solver"))


def lever_json(lever: Lever) -> Json:
    """A lever for the API: the sentence (fair's zone), the gain, and the change to
    send back to `.../whatif/apply`."""
    change: Json = {"kind": lever.kind}
    if lever.kind == "tables":
        change |= {"pool": lever.pool, "tables": lever.tables}
    elif lever.kind == "hours":
        change |= {"person": lever.person, "direction": DIRECTIONS[0 if lever.earlier else 1]}
    return {
        "kind": lever.kind,
        "text": lever.text,
        "meetings": lever.meetings,
        "requests": list(lever.requests),
        "day": lever.day + 1 if lever.kind != "hours" else None,
        "start": lever.start.isoformat() if lever.start else None,
        "end": lever.end.isoformat() if lever.end else None,
        "apply": change,
    }


async def levers_json(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    answer = await levers(request, path_number(request, "number"))
    return web.json_response(
        {
            "version": answer.version,
            "left_out": answer.left_out,
            "seconds": answer.seconds,
            "cached": answer.cached,
            "levers": [lever_json(lv) for lv in answer.levers],
        }
    )


APPLY_FIELDS = (
    Field("kind", "string", required=True),
    Field("pool", "string"),
    Field("tables", "integer"),
    Field("person", "string"),
    Field("direction", "string"),
)


async def apply_json(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    number = path_number(request, "number")

    async def act() -> web.StreamResponse:
        data = await body(request, APPLY_FIELDS)
        direction = data.get("direction", "later")
        if data["kind"] not in KINDS:
            raise FieldError("kind", f"one of {', '.join(KINDS)}")
        if direction not in DIRECTIONS:
            raise FieldError("direction", "earlier or later")
        change = Change(
            kind=data["kind"],
            pool=data.get("pool", ""),
            tables=data.get("tables", 0),
            person=data.get("person", ""),
            earlier=direction == "earlier",
        )
        done, solver = await _apply(request, number, change)
        return web.json_response({"applied": done, "solver": solver}, status=202)

    return await guard(request, act)
