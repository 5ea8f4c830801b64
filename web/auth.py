"""Who is asking: the organiser or one participant, from the signed session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from aiohttp import web
from sqlmodel import Session

from fair.accounts import session_live
from fair.models import Organiser, Participant
from fair.tokens import token_is_live
from web.db import read
from web.keys import SESSION
from web.middleware import wants_json

T = TypeVar("T")


def _unauthorised(request: web.Request) -> web.HTTPException:
    if wants_json(request):
        return web.HTTPUnauthorized(text="sign in first")
    location = request.app.router["login"].url_for().with_query(next=request.path_qs)
    return web.HTTPFound(location)


async def organiser(request: web.Request) -> Organiser:
    """The signed-in organiser, or 401 / a redirect to the login page."""
    organiser_id = request.get(SESSION, {}).get("o")
    if organiser_id is None:
        if request.get(SESSION, {}).get("p") is not None:
            raise web.HTTPForbidden(text="This page is for the organiser.")
        raise _unauthorised(request)

    issued = float(request[SESSION].get("iat", 0))

    def load(session: Session, oid: int) -> Organiser | None:
        if not session_live(session, f"o:{oid}", issued):
            return None  # signed out since: every session of theirs ended
        return session.get(Organiser, oid)

    found = await read(request.app, load, organiser_id)
    if found is None:
        raise _unauthorised(request)
    return found


async def participant(request: web.Request) -> Participant:
    """The signed-in participant, or 401 / a redirect."""
    person, _ = await participant_with(request, lambda _session, _person: None)
    return person


async def participant_with(
    request: web.Request, fn: Callable[[Session, Participant], T]
) -> tuple[Participant, T]:
    """The signed-in participant and `fn(session, participant)`, in one database round
    trip (pages that load their own data right after the check use this)."""
    participant_id = request.get(SESSION, {}).get("p")
    if participant_id is None:
        if request.get(SESSION, {}).get("o") is not None:
            raise web.HTTPForbidden(text="This page is for participants (use their link).")
        raise _unauthorised(request)

    token_hash = request[SESSION].get("t", "")
    issued = float(request[SESSION].get("iat", 0))

    def load(session: Session, pid: int) -> tuple[Participant, T] | None:
        # A revoked or replaced link ends the sessions it opened; signing out ends them all.
        if not token_is_live(session, pid, token_hash):
            return None
        if not session_live(session, f"p:{pid}", issued):
            return None
        person = session.get(Participant, pid)
        if person is None:
            return None
        return person, fn(session, person)

    found = await read(request.app, load, participant_id)
    if found is None:
        raise _unauthorised(request)
    return found
