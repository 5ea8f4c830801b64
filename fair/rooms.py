"""Names of the live rooms (socket.io), from one place so emitters and listeners agree."""

from __future__ import annotations


def solver_room(fair_id: int) -> str:
    """Organisers watching the solver run of a fair."""
    return f"solver:{fair_id}"


def meeting_room(meeting_uid: str) -> str:
    """The two sides (and observers) of one meeting."""
    return f"meeting:{meeting_uid}"


def dashboard_room(fair_id: int) -> str:
    """Everyone watching a fair's live counters."""
    return f"dashboard:{fair_id}"


def stage_room(roadshow_id: int) -> str:
    """Everyone on a roadshow's live stage."""
    return f"stage:{roadshow_id}"


def stage_presenter_room(roadshow_id: int) -> str:
    """The presenter's connections on a roadshow's stage."""
    return f"stage:{roadshow_id}:presenter"
