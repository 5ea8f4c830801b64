"""The organiser's grid editing API under /api/organiser/grid: where editing stands,
the targets of a meeting (valid or refused with reasons, for marking cells while
dragging), and the edits themselves (move, add, swap, unschedule, lock, unlock, undo)
from `fair.grid_edits`. A refused edit is 409 with every reason in `error.reasons`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlmodel import Session

import scheduler.problem as sp
from fair import grid_edits as ge
from fair import queries
from fair.errors import Conflict, NotFound
from fair.grid_view import GridState, grid_state
from fair.requests import FieldError
from scheduler.edits import Verdict
from web import auth, i18n
from web.api_input import Field, Json, body, guard
from web.db import read, write
from web.keys import SOLVER_RUNS
from web.middleware import error_response

REQUEST = Field("request", "string", required=True)
CELL = (REQUEST, Field("start", "string", required=True), Field("place", "string", required=True))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/organiser/grid", state, name="api_grid")
    r.add_get("/api/organiser/grid/targets", targets, name="api_grid_targets")
    for kind in ("move", "add", "swap", "unschedule", "lock", "unlock", "undo"):
        r.add_post(f"/api/organiser/grid/{kind}", _edit_handler(kind), name=f"api_grid_{kind}")


def _fair_id(session: Session) -> int:
    fair = queries.first_fair(session)
    if fair is None or fair.id is None:
        raise NotFound("no fair has been imported yet")
    return fair.id


def reason_json(r: sp.Reason) -> Json:
    """A reason in English (`text`), in the viewer's language (`shown`), and as its
    template and values (`code`, `template`, `params`)."""
    shown = i18n.template_gettext(r.template, **r.params) if r.template else r.text
    return {
        "code": r.code,
        "text": r.text,
        "shown": shown,
        "template": r.template,
        "params": dict(r.params),
    }


def _changes(diff: Any) -> Json | None:
    if diff is None:
        return None
    return {
        "kept": len(diff.kept),
        "moved": len(diff.moved),
        "new": len(diff.new),
        "cancelled": len(diff.cancelled),
    }


async def state(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)

    def load(session: Session) -> GridState:
        return grid_state(session, _fair_id(session))

    s = await read(request.app, load)
    return web.json_response(
        {
            "version": s.number,
            "status": s.status,
            "edits": list(s.edits),
            "can_undo": s.status == "draft" and bool(s.edits),
            "changes": s.changes,
        }
    )


def _verdict_json(v: Verdict, starts: list[datetime]) -> Json:
    return {
        "slot": v.target.slot,
        "start": starts[v.target.slot].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": v.target.kind.value,
        "place": v.target.place,
        "ok": v.ok,
        "third_seat": v.third_seat,
        "reasons": [reason_json(r) for r in v.reasons],
    }


async def targets(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    key = request.query.get("request", "")
    if not key:
        return error_response(request, 422, "request: is required", field="request")

    def load(session: Session) -> ge.Targets:
        return ge.check_targets(session, _fair_id(session), key)

    found = await read(request.app, load)
    return web.json_response(
        {"request": key, "targets": [_verdict_json(v, found.starts) for v in found.verdicts]}
    )


def _start(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError("start", f"{value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


FIELDS: dict[str, tuple[Field, ...]] = {
    "move": CELL,
    "add": CELL,
    "swap": (REQUEST, Field("with", "string", required=True)),
    "unschedule": (REQUEST,),
    "lock": (REQUEST,),
    "unlock": (REQUEST,),
    "undo": (),
}


def _action(kind: str, data: Json) -> Callable[[Session, int], ge.EditOutcome]:
    """The domain call for edit `kind` with the checked body `data`."""
    key = data.get("request", "")
    if kind in {"move", "add"}:
        fn = ge.move if kind == "move" else ge.add
        start, place = _start(data["start"]), data["place"]
        return lambda session, fair_id: fn(session, fair_id, key, start, place)
    if kind == "swap":
        return lambda session, fair_id: ge.swap(session, fair_id, key, data["with"])
    if kind == "unschedule":
        return lambda session, fair_id: ge.unschedule(session, fair_id, key)
    if kind in {"lock", "unlock"}:
        return lambda session, fair_id: ge.set_lock(session, fair_id, key, kind == "lock")
    return ge.undo


def _edit_handler(kind: str) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.StreamResponse:
        await auth.organiser(request)

        async def act() -> web.StreamResponse:
            data = await body(request, FIELDS[kind])
            action = _action(kind, data)
            fair_id = await read(request.app, _fair_id)
            # A run stores the fair as it read it at its start: an edit (a lock) saved
            # meanwhile would be left behind in the older draft.
            job = request.app[SOLVER_RUNS].job(fair_id)
            if job is not None and job.state().get("running"):
                raise Conflict("a solver run is going: wait for it or stop it, then edit")

            def run(session: Session) -> ge.EditOutcome:
                return action(session, fair_id)

            try:
                outcome = await write(request.app, run)
            except ge.EditRefused as refused:
                return error_response(
                    request,
                    409,
                    str(refused),
                    reasons=[reason_json(r) for r in refused.reasons],
                )
            return web.json_response(
                {
                    "version": outcome.draft,
                    "changed": list(outcome.changed),
                    "changes": _changes(outcome.diff),
                }
            )

        return await guard(request, act)

    handler.__name__ = f"grid_{kind}"
    handler.__doc__ = f"POST /api/organiser/grid/{kind}: {kind} (fair.grid_edits)."
    return handler
