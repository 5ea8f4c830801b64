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


# Announcements (`fair.announcements`) reach participants' open pages through `/notices`;
# every page of a participant is in its fair's room, its company's pavilion's room and its
# own (the room of a meeting reaches each of its members there).


def notices_fair_room(fair_id: int) -> str:
    """Every open page of a fair's participants."""
    return f"notices:fair:{fair_id}"


def notices_pavilion_room(pavilion_id: int) -> str:
    """Every open page of the participants whose company is in a pavilion."""
    return f"notices:pavilion:{pavilion_id}"


def notices_participant_room(participant_id: int) -> str:
    """Every open page of one participant."""
    return f"notices:participant:{participant_id}"


def stage_seller_room(roadshow_id: int) -> str:
    """The presenting company's people on a roadshow's stage: they get its orders."""
    return f"stage:{roadshow_id}:seller"


def stage_buyer_room(roadshow_id: int, participant_id: int) -> str:
    """One viewer's connections on a roadshow's stage: they get their own orders."""
    return f"stage:{roadshow_id}:buyer:{participant_id}"
