"""Publishing a schedule version and comparing versions.

Publishing freezes a draft as what participants see. Each meeting keeps its calendar
identity (the request's UID) across versions; when its time or place changes from the
previously published version its `sequence` goes up and `updated_at` moves, otherwise
both are carried over unchanged, so an unchanged calendar stays byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from fair.errors import Conflict
from fair.instances import MEETING
from fair.models import (
    LiveConnection,
    Meeting,
    MeetingPresence,
    ScheduleVersion,
    VersionStatus,
    utcnow,
)
from fair.versions import get_version, published_version


@dataclass(frozen=True)
class VersionDiff:
    kept: tuple[int, ...]  # request ids
    moved: tuple[int, ...]
    new: tuple[int, ...]
    cancelled: tuple[int, ...]

    def describe(self) -> str:
        return (
            f"{len(self.kept)} kept, {len(self.moved)} moved, {len(self.new)} new, "
            f"{len(self.cancelled)} cancelled"
        )


def _place(m: Meeting) -> tuple[object, ...]:
    return (m.start, m.end, m.place_kind, m.booth_id, m.table_id, m.room, m.third_seat_id)


def meetings_of(session: Session, version: ScheduleVersion) -> dict[int, Meeting]:
    return {
        m.request_id: m
        for m in session.exec(select(Meeting).where(Meeting.version_id == version.id))
    }


def diff_versions(
    session: Session, old: ScheduleVersion | None, new: ScheduleVersion
) -> VersionDiff:
    before = meetings_of(session, old) if old else {}
    return _diff(before, meetings_of(session, new))


def _diff(before: dict[int, Meeting], after: dict[int, Meeting]) -> VersionDiff:
    kept = [r for r in after if r in before and _place(before[r]) == _place(after[r])]
    moved = [r for r in after if r in before and _place(before[r]) != _place(after[r])]
    new_ = [r for r in after if r not in before]
    cancelled = [r for r in before if r not in after]
    return VersionDiff(*(tuple(sorted(x)) for x in (kept, moved, new_, cancelled)))


def _earlier_sequences(session: Session, fair_id: int, request_ids: set[int]) -> dict[int, int]:
    """The highest SEQUENCE each request had in any earlier published version."""
    if not request_ids:
        return {}
    published = select(ScheduleVersion.id).where(
        ScheduleVersion.fair_id == fair_id, col(ScheduleVersion.published_at).is_not(None)
    )
    found: dict[int, int] = {}
    for m in session.exec(
        select(Meeting).where(
            col(Meeting.version_id).in_(published), col(Meeting.request_id).in_(request_ids)
        )
    ):
        found[m.request_id] = max(found.get(m.request_id, 0), m.sequence)
    return found


def _move_rooms(session: Session, current: ScheduleVersion, kept: dict[int, int]) -> None:
    """Who joined the room of a meeting that kept its time and place (and the
    connections counted there) moves onto the new version's row, so presence, no-shows
    and the live dashboard carry on across the republish. Only rooms someone entered
    are touched. Chat and deals stay on their rows: rooms read them by request."""
    entered = session.exec(
        select(MeetingPresence.meeting_id)
        .join(Meeting, col(Meeting.id) == col(MeetingPresence.meeting_id))
        .where(Meeting.version_id == current.id)
        .distinct()
    ).all()
    for old in entered:
        new = kept.get(old)
        if new is None:
            continue  # moved or cancelled: a new occurrence starts with an empty room
        session.execute(
            update(MeetingPresence)
            .where(col(MeetingPresence.meeting_id) == old)
            .values(meeting_id=new)
        )
        session.execute(
            update(LiveConnection)
            .where(col(LiveConnection.kind) == MEETING, col(LiveConnection.target_id) == old)
            .values(target_id=new)
        )


MAIL = "mail"  # a published version's figures: whether its e-mails went to the outbox
MAIL_DUE, MAIL_QUEUED, MAIL_NONE = "due", "queued", "none"


def mark_mail(version: ScheduleVersion, state: str) -> None:
    """Record what became of a publication's e-mails (the caller commits)."""
    version.figures = {**version.figures, MAIL: state}


def publish(session: Session, fair_id: int, number: int | None = None) -> VersionDiff:
    """Publish draft `number` (default: the newest version); the caller commits."""
    version = get_version(session, fair_id, number)
    if version.status == VersionStatus.PUBLISHED:
        raise Conflict(f"version {version.number} is already published")
    if version.status == VersionStatus.SUPERSEDED:
        raise Conflict(f"version {version.number} was superseded; re-solve to get a new draft")
    current = published_version(session, fair_id)
    before = meetings_of(session, current) if current else {}
    after = meetings_of(session, version)
    diff = _diff(before, after)
    now = utcnow()
    earlier = _earlier_sequences(session, fair_id, set(diff.new))
    kept: dict[int, int] = {}  # the previous version's meeting row → the new one
    for request_id, meeting in after.items():
        previous = before.get(request_id)
        if previous is None:
            meeting.updated_at = now
            if request_id in earlier:
                # Back after a cancellation (sent with SEQUENCE + 1): go above it.
                meeting.sequence = earlier[request_id] + 2
        elif _place(previous) == _place(meeting):
            meeting.sequence = previous.sequence
            meeting.updated_at = previous.updated_at
            meeting.status = previous.status
            if previous.id is not None and meeting.id is not None:
                kept[previous.id] = meeting.id
        else:
            meeting.sequence = previous.sequence + 1
            meeting.updated_at = now
        session.add(meeting)
    if current is not None:
        _move_rooms(session, current, kept)
        current.status = VersionStatus.SUPERSEDED
        session.add(current)
    for draft in session.exec(
        select(ScheduleVersion).where(
            ScheduleVersion.fair_id == fair_id,
            ScheduleVersion.status == VersionStatus.DRAFT,
            col(ScheduleVersion.number) < version.number,
        )
    ):
        draft.status = VersionStatus.SUPERSEDED
        session.add(draft)
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    # Its e-mails are due, in the same commit as the publication: `fair.notify` marks
    # them queued, and finds them still due after a process stopped in between.
    version.figures = {**version.figures, MAIL: MAIL_DUE}
    session.add(version)
    session.flush()
    return diff
