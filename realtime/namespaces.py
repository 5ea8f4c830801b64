"""socket.io namespaces. Namespaces are singletons, so per-client state lives in the
socket.io session (`save_session`), never on the namespace object.

`/organiser`: organisers only; they join the solver room of their fair and receive
`solver:progress`, `solver:done` and `solver:error` while a run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import socketio

from fair.rooms import solver_room

# Who a connecting client is, from its handshake environ: {"organiser": id} or
# {"participant": id}, or None when it is not signed in.
Identify = Callable[[Mapping[str, Any]], dict[str, Any] | None]


class AnswersEveryCall:
    """Mixin for a namespace whose client→server events are listed in `EVENTS`: every
    call gets an ack. An unknown event or a call with more than one argument is refused
    as `invalid` (python-socketio would send no ack, or fail with a TypeError in its own
    task); a call without an argument passes `None` to the handler."""

    EVENTS: frozenset[str] = frozenset()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in {"connect", "disconnect"}:
            return await super().trigger_event(event, *args)  # type: ignore[misc]
        sid = args[0]
        if event in self.EVENTS and len(args) <= 2:
            handler = getattr(self, f"on_{event}")
            return await handler(sid, args[1] if len(args) == 2 else None)
        message = "unknown event" if event not in self.EVENTS else "send one object per event"
        error = {"code": "invalid", "message": message}
        await self.emit("error", {"event": str(event)[:40], **error}, to=sid)  # type: ignore[attr-defined]
        return {"ok": False, "error": error}


class OrganiserNamespace(AnswersEveryCall, socketio.AsyncNamespace):  # type: ignore[misc]
    EVENTS = frozenset({"watch_solver"})

    def __init__(self, namespace: str, identify: Identify) -> None:
        super().__init__(namespace)
        self.identify = identify

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        who = self.identify(environ)
        if not who or "organiser" not in who:
            raise socketio.exceptions.ConnectionRefusedError("organiser sign-in required")
        await self.save_session(sid, who)

    async def on_watch_solver(self, sid: str, data: Any) -> dict[str, Any]:
        """Join the solver room of a fair: `{"fair": id}`."""
        try:
            fair_id = int(data["fair"])
        except (TypeError, KeyError, ValueError, OverflowError):
            return {
                "ok": False,
                "error": {"code": "invalid", "message": "fair: expected a fair id"},
            }
        await self.enter_room(sid, solver_room(fair_id))
        return {"ok": True}
