"""What every socket.io namespace shares: who a client is (`Identify`) and one way of
answering calls (`AnswersEveryCall`). Namespaces are singletons, so per-client state lives
in the socket.io session (`save_session`), never on the namespace object.

The namespaces: `/organiser` (`realtime.solver`), `/dashboard`, `/meeting`, `/stage` and
`/notices` (announcements).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

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
