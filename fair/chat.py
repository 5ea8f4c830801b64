"""A meeting room's chat: lines stored with the meeting, kept across republishes."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fair.errors import Forbidden, InvalidInput
from fair.models import ChatMessage, Meeting
from fair.presence import Room

CHAT_MAX = 2000  # characters in one chat line
CHAT_HISTORY = 200  # lines sent to someone entering the room


def add_chat(
    session: Session,
    room: Room,
    text: str,
    participant_id: int | None,
    organiser_id: int | None = None,
    author: str = "",
) -> dict[str, object]:
    """Store a chat line (the caller commits) and return it as sent to the room."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text: the message is empty")
    if len(text) > CHAT_MAX:
        raise InvalidInput(f"text: at most {CHAT_MAX} characters")
    if participant_id is not None:
        member = room.member(participant_id)
        if member is None:
            raise Forbidden("this meeting is not on your agenda")
        author = member.name
    line = ChatMessage(
        meeting_id=room.meeting_id,
        participant_id=participant_id,
        organiser_id=organiser_id,
        author=author or "Organiser",
        text=text,
    )
    session.add(line)
    session.flush()
    return _chat_view(line)


def chat_histories(session: Session, rooms: Collection[Room]) -> dict[int, list[dict[str, object]]]:
    """The last `CHAT_HISTORY` chat lines of each room, over every version's row of its
    meeting, in one statement however many rooms (the joins of a slot change): room's
    request id -> its lines, oldest first."""
    if not rooms:
        return {}
    requests = sorted({room.request_id for room in rooms})
    request = col(Meeting.request_id)
    newest = (
        sa.select(
            col(ChatMessage.id).label("id"),
            request.label("request_id"),
            sa.func.row_number()
            .over(partition_by=request, order_by=col(ChatMessage.id).desc())
            .label("rank"),
        )
        .join(Meeting, col(Meeting.id) == col(ChatMessage.meeting_id))
        .where(request.in_(requests))
        .subquery()
    )
    found: dict[int, list[dict[str, object]]] = {rid: [] for rid in requests}
    for line, rid in session.exec(
        select(ChatMessage, newest.c.request_id)
        .join(newest, newest.c.id == col(ChatMessage.id))
        .where(newest.c.rank <= CHAT_HISTORY)
        .order_by(col(ChatMessage.id))
    ):
        found[rid].append(_chat_view(line))
    return found


def _chat_view(line: ChatMessage) -> dict[str, object]:
    return {
        "id": line.id,
        "author": line.author,
        "participant": line.participant_id,
        "organiser": line.organiser_id is not None,
        "text": line.text,
        "at": line.sent_at.isoformat(),
    }
