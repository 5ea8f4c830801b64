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


class OrganiserNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
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
        except (TypeError, KeyError, ValueError):
            return {"ok": False, "error": "fair: expected a fair id"}
        await self.enter_room(sid, solver_room(fair_id))
        return {"ok": True}
