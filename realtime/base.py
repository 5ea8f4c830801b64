"""What the participants' live namespaces (`/meeting`, `/stage`) share: sign-in on connect
(a session cookie whose link is still live; organisers as observers), database work in
the executor, and one way of answering every call (`{"ok": false, "error": {code,
message}}` plus an `error` event; see docs/realtime.md)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import socketio
from sqlmodel import Session, col, select

from fair.accounts import signed_in, signed_in_many
from fair.db import database_unavailable, session_scope
from fair.errors import Conflict, FairError, Forbidden, InvalidInput, NotFound
from fair.models import Participant
from realtime.batch import Batcher
from realtime.namespaces import AnswersEveryCall, Identify
from realtime.services import RoomServices

if TYPE_CHECKING:
    from realtime.dashboard import DashboardNamespace

log = logging.getLogger("fair.realtime")
T = TypeVar("T")
CODES = {
    NotFound: "not_found",
    Forbidden: "forbidden",
    Conflict: "conflict",
    InvalidInput: "invalid",
}
SIGNAL_KEYS = ("description", "candidate")


def now() -> datetime:
    return datetime.now(UTC)


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ParticipantNamespace(AnswersEveryCall, socketio.AsyncNamespace):  # type: ignore[misc]
    """Base of `/meeting` and `/stage`; a subclass sets `SIGN_IN` (what a visitor who is
    not signed in is told) and `_leave` (what a disconnect ends)."""

    SIGN_IN = "open your personal link"

    def __init__(
        self,
        namespace: str,
        identify: Identify,
        services: RoomServices,
        dashboard: DashboardNamespace,
    ) -> None:
        super().__init__(namespace)
        self.identify = identify
        self.services = services
        self.dashboard = dashboard
        self.reads: Batcher[Callable[[Session], Any], Any] = Batcher(self._read_batch, services.run)
        self.sign_ins: Batcher[Mapping[str, Any], dict[str, Any] | None] = Batcher(
            self._sign_in_batch, services.run
        )

    def _gone(self, sid: str) -> bool:
        """Whether `sid` has disconnected (or is disconnecting). A join checks it after
        recording the person as present: a client that dropped while the join waited for
        the database had its disconnect find nothing to leave, so the join leaves for
        it, or the person would stay counted (a ghost in the room and the dashboard)."""
        return not self.server.manager.is_connected(sid, self.namespace)

    async def _read(self, fn: Callable[[Session], T]) -> T:
        """`fn` on a database session, off the event loop. The reads asked while others
        are running share one session after them (`realtime.batch`): at a slot change
        every connection's sign-in check and every join's chat and deals would each take
        a pooled connection, check it, and give it back."""
        result: T = await self.reads.submit(fn)
        return result

    def _sign_in_batch(self, whos: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
        """The participants' connections that arrived together: whose sign-in still holds
        (`fair.accounts.signed_in_many`), with their name and fair; None for the others."""
        with Session(self.services.engine()) as session:
            holds = signed_in_many(session, whos)
            pids = sorted({int(w["participant"]) for w, ok in zip(whos, holds, strict=True) if ok})
            people = {
                row[0]: {"name": row[1], "fair": row[2]}
                for row in session.exec(
                    select(Participant.id, Participant.name, Participant.fair_id).where(
                        col(Participant.id).in_(pids)
                    )
                )
            }
        return [
            people.get(int(w["participant"])) if ok else None
            for w, ok in zip(whos, holds, strict=True)
        ]

    def _read_batch(self, fns: Sequence[Callable[[Session], Any]]) -> list[Any]:
        outcomes: list[Any] = []
        with Session(self.services.engine(), expire_on_commit=False) as session:
            for fn in fns:
                try:
                    outcomes.append(fn(session))
                except Exception as exc:
                    if database_unavailable(exc):
                        raise  # the others would fail the same way: "try again" for all
                    session.rollback()  # a failed statement must not fail the next read
                    outcomes.append(exc)
        return outcomes

    async def _write(self, fn: Callable[[Session], T]) -> T:
        engine = self.services.engine

        def work() -> T:
            with session_scope(engine()) as session:
                return fn(session)

        result: T = await self.services.run(work)
        return result

    async def _refuse(self, sid: str, event: str, code: str, message: str) -> dict[str, Any]:
        """Tell the client why (an `error` event) and answer the ack with the same."""
        error = {"code": code, "message": message}
        await self.emit("error", {"event": event, **error}, to=sid)
        return {"ok": False, "error": error}

    async def _guard(
        self, sid: str, event: str, handler: Callable[[dict[str, Any]], Any]
    ) -> dict[str, Any]:
        try:
            session = await self.get_session(sid)
            result: dict[str, Any] = await handler(session)
            return result
        except Refused as exc:
            return await self._refuse(sid, event, exc.code, exc.message)
        except FairError as exc:
            code = next((c for kind, c in CODES.items() if isinstance(exc, kind)), "invalid")
            return await self._refuse(sid, event, code, str(exc))
        except Exception as exc:
            if database_unavailable(exc):  # nothing was stored: the client may re-send
                log.warning("%s: database unavailable (%s)", event, type(exc).__name__)
                return await self._refuse(
                    sid, event, "unavailable", "the database is unavailable; try again"
                )
            log.exception("%s failed", event)
            return await self._refuse(sid, event, "server", "something went wrong; try again")

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        who = self.identify(environ)
        if who and "organiser" in who:
            if not await self._read(lambda session: signed_in(session, who)):
                raise socketio.exceptions.ConnectionRefusedError(
                    "you signed out; sign in again", {"code": "signin"}
                )
            await self.save_session(sid, {"organiser": who["organiser"], "name": "Organiser"})
            return
        if not who or "participant" not in who:
            raise socketio.exceptions.ConnectionRefusedError(self.SIGN_IN, {"code": "signin"})
        pid, token_hash = int(who["participant"]), str(who.get("token_hash", ""))
        found = await self.sign_ins.submit(who)
        if found is None:
            raise socketio.exceptions.ConnectionRefusedError(
                "your link was replaced, revoked or has expired; open the new one",
                {"code": "signin"},
            )
        await self.save_session(sid, {"participant": pid, "token_hash": token_hash, **found})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        with contextlib.suppress(Exception):
            session = await self.get_session(sid)
            await self._leave(sid, session)

    async def _leave(self, sid: str, session: dict[str, Any]) -> None:
        raise NotImplementedError
