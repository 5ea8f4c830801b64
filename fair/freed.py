"""Freed slots refilled live: when a meeting becomes a no-show or is cancelled during the
fair, the waiting pairs who could meet in its slot and place now are offered it.

`offer_freed` asks the scheduler (`scheduler.freed.propose_for_freed`) for the best
waiting requests that fit the freed slot and place from the current slot on, and keeps
them as ranked `SlotOffer` rows: the first is offered to both of its sides at once, the
others wait for the organiser (who can offer any of them, `offer`) or for a decline.
Each side answers (`respond`); when both have accepted, `book` adds the meeting to the
published version.

No double booking, whatever the number of server processes: an answer to an offer holds
the published version's row first (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite writes
one at a time), so answers and bookings go one at a time; a booking checks that every
person of the meeting and its place are still free, it closes every other offer of the
slot, and the version's unique (version, request) constraint refuses a request booked
twice. The
version's `revision` is bumped in the same transaction, so agendas and calendar feeds
(cached per version and revision) show the new meeting at once, and the meeting's room
opens like any other (`fair.presence.load_room` reads the published version).

Offering is idempotent per freed meeting (its row is held while the offers are made), so
two processes sweeping the same no-show make one set of offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

import scheduler.problem as sp
from fair.errors import Conflict, Forbidden, NotFound
from fair.models import (
    Booth,
    Company,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    MeetingTable,
    OfferStatus,
    Participant,
    PlaceKind,
    RequestAttendee,
    ScheduleVersion,
    SlotOffer,
    VersionStatus,
)
from fair.planning import Planning
from fair.problem_cache import planning_for
from fair.versions import published_version
from scheduler.freed import propose_for_freed

PROPOSALS = 5  # offers kept per freed meeting
OPEN = (OfferStatus.WAITING, OfferStatus.OFFERED)
# Meetings that hold their people and place (a no-show or cancelled one frees both).
HOLDING = (MeetingStatus.SCHEDULED, MeetingStatus.DONE)
RECENT = timedelta(hours=12)  # what the control room lists
JUST_BOOKED = timedelta(minutes=15)  # booked offers a participant's page still shows


@dataclass(frozen=True)
class Changed:
    """What an action changed: the offers whose people must be told, the meeting booked
    (its request's uid) if one was, and a refusal's reason if the action was refused
    after changing something (an offer found taken is stored as taken)."""

    offers: tuple[int, ...] = ()
    booked: str | None = None
    fair_id: int | None = None
    refused: str = ""
    notify: tuple[int, ...] = field(default=())  # participant ids to tell


def _now_slot(planning: Planning, now: datetime) -> int:
    """The index of the slot running at `now`, or of the next one."""
    return next((s.index for s in planning.slots if s.end > now), len(planning.slots))


def _held(session: Session, model: Any, row_id: int) -> Any:
    """The row, held for update until the transaction ends (PostgreSQL)."""
    return session.exec(select(model).where(model.id == row_id).with_for_update()).one_or_none()


def cancel_meeting(session: Session, fair_id: int, uid: str, now: datetime) -> Meeting:
    """The organiser cancels a meeting of the published schedule that has not ended:
    its calendar event becomes CANCELLED (sequence + 1) and its slot is freed."""
    version = published_version(session, fair_id)
    if version is None:
        raise NotFound("no schedule is published")
    meeting = session.exec(
        select(Meeting)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(Meeting.version_id == version.id, MeetingRequest.uid == uid)
        .with_for_update()
    ).one_or_none()
    if meeting is None:
        raise NotFound("no such meeting in the published schedule")
    if meeting.end <= now:
        raise Conflict("this meeting has ended; only a meeting still to come can be cancelled")
    if meeting.status not in HOLDING:
        raise Conflict(f"this meeting is already {meeting.status.replace('_', '-')}")
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.updated_at = now
    session.add(meeting)
    _bump(session, version.id)
    session.flush()
    return meeting


def _bump(session: Session, version_id: int | None) -> None:
    session.execute(
        sa.update(ScheduleVersion)
        .where(col(ScheduleVersion.id) == version_id)
        .values(revision=col(ScheduleVersion.revision) + 1)
    )


def offer_freed(
    session: Session,
    meeting_id: int,
    now: datetime,
    planning: Planning | None = None,
    limit: int = PROPOSALS,
) -> Changed:
    """Rank the waiting requests that could use freed meeting `meeting_id`'s slot and
    place from now on, keep them, and offer the first to both its sides. Once per freed
    meeting: a second call returns the offers made by the first."""
    freed = _held(session, Meeting, meeting_id)
    if freed is None:
        raise NotFound("no such meeting")
    existing = session.exec(select(SlotOffer.id).where(SlotOffer.freed_id == meeting_id)).all()
    if existing:
        return Changed(offers=(), fair_id=freed.fair_id)
    version = session.get(ScheduleVersion, freed.version_id)
    if (
        version is None
        or version.status != VersionStatus.PUBLISHED
        or freed.status in HOLDING
        or freed.end <= now
    ):
        return Changed(fair_id=freed.fair_id)
    planning = planning or planning_for(session, freed.fair_id)
    freed_at = planning.keys.assignment(freed)
    if freed_at is None:
        return Changed(fair_id=freed.fair_id)
    holding: list[sp.Assignment] = []
    had_slot: set[str] = set()
    for m in session.execute(
        sa.select(Meeting).where(col(Meeting.version_id) == version.id)
    ).scalars():
        a = planning.keys.assignment(m)
        if a is None:
            continue
        had_slot.add(a.request)
        if m.status in HOLDING:
            holding.append(a)
    proposals = propose_for_freed(
        planning.problem,
        holding,
        freed_at,
        _now_slot(planning, now),
        limit=limit,
        exclude=had_slot,
    )
    made: list[SlotOffer] = []
    for rank, p in enumerate(proposals):
        a = p.assignment
        offer = SlotOffer(
            fair_id=freed.fair_id,
            freed_id=meeting_id,
            request_id=planning.request_ids[p.request],
            rank=rank,
            start=planning.slots[a.start].start,
            end=planning.slots[a.start + a.length - 1].end,
            place_kind=PlaceKind(a.kind),
            booth_id=planning.booth_ids[a.place_id] if a.kind is sp.PlaceKind.BOOTH else None,
            table_id=planning.table_ids[a.place_id] if a.kind is sp.PlaceKind.TABLE else None,
            room=a.place_id if a.kind is sp.PlaceKind.ONLINE else "",
            third_seat_id=planning.person_ids[a.third_seat] if a.third_seat else None,
            weight=p.weight,
            why=p.why,
            status=OfferStatus.OFFERED if rank == 0 else OfferStatus.WAITING,
            created_at=now,
            updated_at=now,
        )
        session.add(offer)
        made.append(offer)
    session.flush()
    first = made[:1]
    return Changed(
        offers=tuple(o.id for o in made if o.id is not None),
        fair_id=freed.fair_id,
        notify=tuple(pid for o in first for pid in members(session, o)),
    )


def sides(session: Session, request_id: int) -> dict[int, str]:
    """Participant id → side ("from" or "to") of everyone attending a request."""
    request = session.get(MeetingRequest, request_id)
    if request is None:
        return {}
    found = {request.from_id: "from", request.to_id: "to"}
    for attendee in session.exec(
        select(RequestAttendee).where(RequestAttendee.request_id == request_id)
    ):
        found.setdefault(attendee.participant_id, attendee.side)
    return found


def members(session: Session, offer: SlotOffer) -> list[int]:
    """Everyone an offer concerns: both sides and the third seat."""
    found = list(sides(session, offer.request_id))
    if offer.third_seat_id is not None and offer.third_seat_id not in found:
        found.append(offer.third_seat_id)
    return found


def _hold_version_of(session: Session, offer_id: int) -> None:
    """Hold the version of an offer's freed meeting before the offer itself: every
    answer and booking of a fair's offers then goes one at a time, and two bookings
    never wait on each other's offers (a deadlock on PostgreSQL)."""
    version_id = session.exec(
        select(Meeting.version_id)
        .join(SlotOffer, col(SlotOffer.freed_id) == col(Meeting.id))
        .where(SlotOffer.id == offer_id)
    ).first()
    if version_id is not None:
        _held(session, ScheduleVersion, version_id)


def _is_open(offer: SlotOffer, now: datetime) -> bool:
    return offer.status in OPEN and offer.end > now


def offer(session: Session, fair_id: int, offer_id: int, now: datetime) -> Changed:
    """The organiser offers a waiting proposal to both its sides (beside any already
    offered: the first pair to accept books the slot)."""
    _hold_version_of(session, offer_id)
    row = _held(session, SlotOffer, offer_id)
    if row is None or row.fair_id != fair_id:
        raise NotFound("no such offer")
    if not _is_open(row, now):
        raise Conflict(_closed(row, now))
    if row.status == OfferStatus.OFFERED:
        return Changed(fair_id=fair_id)
    row.status = OfferStatus.OFFERED
    row.updated_at = now
    session.add(row)
    session.flush()
    return Changed(offers=(offer_id,), fair_id=fair_id, notify=tuple(members(session, row)))


def _closed(row: SlotOffer, now: datetime) -> str:
    if row.status == OfferStatus.BOOKED:
        return "this offer is already booked"
    if row.status == OfferStatus.DECLINED:
        return "this offer was declined"
    if row.status == OfferStatus.TAKEN:
        return "this slot went to another meeting"
    if row.end <= now:
        return "this slot has passed"
    return "this offer has not been made yet"


def respond(
    session: Session, offer_id: int, participant_id: int, accept: bool, now: datetime
) -> Changed:
    """A side's answer to an offer. A decline closes it and offers the next waiting
    proposal of the same slot; the second side's accept books the meeting."""
    _hold_version_of(session, offer_id)
    row = _held(session, SlotOffer, offer_id)
    side = sides(session, row.request_id).get(participant_id) if row is not None else None
    if row is None or side is None:
        raise Forbidden("this offer is not yours")
    if row.status != OfferStatus.OFFERED or row.end <= now:
        raise Conflict(_closed(row, now))
    told = members(session, row)
    if not accept:
        row.status = OfferStatus.DECLINED
        row.declined_by_id = participant_id
        row.updated_at = now
        session.add(row)
        following = _offer_next(session, row, now)
        notify = told + [p for o in following for p in members(session, o)]
        return Changed(
            offers=(offer_id, *(o.id for o in following if o.id is not None)),
            fair_id=row.fair_id,
            notify=tuple(dict.fromkeys(notify)),
        )
    if side == "from":
        row.from_accepted_at = row.from_accepted_at or now
    else:
        row.to_accepted_at = row.to_accepted_at or now
    row.updated_at = now
    session.add(row)
    if row.from_accepted_at is None or row.to_accepted_at is None:
        session.flush()
        return Changed(offers=(offer_id,), fair_id=row.fair_id, notify=tuple(told))
    return book(session, row, now)


def _offer_next(session: Session, row: SlotOffer, now: datetime) -> list[SlotOffer]:
    """After a decline: offer the best waiting proposal of the same freed meeting, unless
    another is still offered."""
    siblings = session.exec(
        select(SlotOffer)
        .where(SlotOffer.freed_id == row.freed_id, col(SlotOffer.id) != row.id)
        .order_by(col(SlotOffer.rank))
    ).all()
    if any(_is_open(o, now) and o.status == OfferStatus.OFFERED for o in siblings):
        return []
    for o in siblings:
        if _is_open(o, now) and o.status == OfferStatus.WAITING:
            o.status = OfferStatus.OFFERED
            o.updated_at = now
            session.add(o)
            session.flush()
            return [o]
    return []


def book(session: Session, row: SlotOffer, now: datetime) -> Changed:
    """Both sides accepted `row` (held): add its meeting to the published version if its
    people and place are still free, else mark it taken."""
    freed = session.get(Meeting, row.freed_id)
    assert freed is not None
    version = _held(session, ScheduleVersion, freed.version_id)  # held already by respond
    told = members(session, row)
    reason = ""
    if version is None or version.status != VersionStatus.PUBLISHED:
        reason = "the schedule was published again since; this offer no longer holds"
    else:
        reason = _clash(session, version.id, row, told)
    if reason:
        row.status = OfferStatus.TAKEN
        row.updated_at = now
        session.add(row)
        session.flush()
        return Changed(
            offers=(row.id or 0,), fair_id=row.fair_id, refused=reason, notify=tuple(told)
        )
    meeting = Meeting(
        fair_id=row.fair_id,
        version_id=freed.version_id,
        request_id=row.request_id,
        start=row.start,
        end=row.end,
        place_kind=row.place_kind,
        booth_id=row.booth_id,
        table_id=row.table_id,
        room=row.room,
        third_seat_id=row.third_seat_id,
        status=MeetingStatus.SCHEDULED,
        updated_at=now,
    )
    session.add(meeting)
    session.flush()
    row.status = OfferStatus.BOOKED
    row.meeting_id = meeting.id
    row.updated_at = now
    session.add(row)
    # The slot is taken, and the request has its meeting: every other open offer of
    # either goes (their people are told).
    others = session.exec(
        select(SlotOffer).where(
            or_(SlotOffer.freed_id == row.freed_id, SlotOffer.request_id == row.request_id),
            col(SlotOffer.id) != row.id,
            col(SlotOffer.status).in_(OPEN),
        )
    ).all()
    notify = list(told)
    for o in others:
        if o.status == OfferStatus.OFFERED:
            notify += members(session, o)
        o.status = OfferStatus.TAKEN
        o.updated_at = now
        session.add(o)
    _bump(session, version.id if version else None)
    session.flush()
    request = session.get(MeetingRequest, row.request_id)
    assert request is not None
    return Changed(
        offers=(row.id or 0, *(o.id or 0 for o in others)),
        booked=request.uid,
        fair_id=row.fair_id,
        notify=tuple(dict.fromkeys(notify)),
    )


def _clash(session: Session, version_id: int | None, row: SlotOffer, people: Sequence[int]) -> str:
    """Why `row` cannot be booked in the version now ("" if it can)."""
    overlapping = (
        select(Meeting)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(
            Meeting.version_id == version_id,
            col(Meeting.status).in_(HOLDING),
            col(Meeting.start) < row.end,
            col(Meeting.end) > row.start,
        )
    )
    if session.exec(
        select(Meeting.id).where(
            Meeting.version_id == version_id, Meeting.request_id == row.request_id
        )
    ).first():
        return "these two already have their meeting in the schedule"
    attendees = select(RequestAttendee.request_id).where(
        col(RequestAttendee.participant_id).in_(people)
    )
    busy = session.exec(
        overlapping.where(
            or_(
                col(MeetingRequest.from_id).in_(people),
                col(MeetingRequest.to_id).in_(people),
                col(Meeting.third_seat_id).in_(people),
                col(Meeting.request_id).in_(attendees),
            )
        )
    ).first()
    if busy is not None:
        return "someone of this meeting has another meeting at that time now"
    if (
        row.place_kind == PlaceKind.TABLE
        and session.exec(overlapping.where(Meeting.table_id == row.table_id)).first()
    ):
        return "the table was taken by another meeting"
    if (
        row.place_kind == PlaceKind.BOOTH
        and session.exec(overlapping.where(Meeting.booth_id == row.booth_id)).first()
    ):
        return "the booth was taken by another meeting"
    return ""


# ------------------------------------------------------------------------ reading


def _label(session: Session, participant_id: int) -> dict[str, str]:
    person = session.get(Participant, participant_id)
    company = session.get(Company, person.company_id) if person is not None else None
    return {
        "name": person.name if person else "",
        "company": company.name if company else "",
        "country": company.country if company else "",
    }


def _place(session: Session, row: SlotOffer | Meeting) -> str:
    if row.place_kind == PlaceKind.TABLE and row.table_id is not None:
        table = session.get(MeetingTable, row.table_id)
        return table.key if table else ""
    if row.place_kind == PlaceKind.BOOTH and row.booth_id is not None:
        booth = session.get(Booth, row.booth_id)
        return booth.key if booth else ""
    return ""


def view(
    session: Session, row: SlotOffer, now: datetime, viewer: int | None = None
) -> dict[str, Any]:
    """An offer as a page shows it; for a participant (`viewer`), who they would meet and
    whether each side has accepted."""
    request = session.get(MeetingRequest, row.request_id)
    assert request is not None and row.id is not None
    status = str(row.status) if row.status not in OPEN or row.end > now else "expired"
    out: dict[str, Any] = {
        "id": row.id,
        "status": status,
        "rank": row.rank,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "place_kind": str(row.place_kind),
        "place": _place(session, row),
        "weight": row.weight,
        "why": row.why,
        "from": _label(session, request.from_id),
        "to": _label(session, request.to_id),
        "from_accepted": row.from_accepted_at is not None,
        "to_accepted": row.to_accepted_at is not None,
        "uid": request.uid if row.status == OfferStatus.BOOKED else None,
    }
    if viewer is not None:
        side = sides(session, row.request_id).get(viewer)
        person = session.get(Participant, viewer)
        out["side"] = side or "third"
        out["timezone"] = person.timezone if person else "UTC"
        other = "to" if side == "from" else "from"
        out["with"] = out[other] if side else {**out["from"], "and": out["to"]}
        out["you_accepted"] = bool(side and out[f"{side}_accepted"])
        out["they_accepted"] = bool(side and out[f"{other}_accepted"])
    return out


def open_for(session: Session, participant_id: int, now: datetime) -> list[dict[str, Any]]:
    """The offers a participant can still answer, and those booked in the last
    `JUST_BOOKED` (their pages show them on opening, with the link to the room)."""
    request_ids: Any = sa.union(
        select(MeetingRequest.id).where(
            or_(MeetingRequest.from_id == participant_id, MeetingRequest.to_id == participant_id)
        ),
        select(RequestAttendee.request_id).where(RequestAttendee.participant_id == participant_id),
    )
    rows = session.exec(
        select(SlotOffer)
        .where(
            col(SlotOffer.request_id).in_(request_ids),
            col(SlotOffer.end) > now,
            or_(
                SlotOffer.status == OfferStatus.OFFERED,
                sa.and_(
                    col(SlotOffer.status) == OfferStatus.BOOKED,
                    col(SlotOffer.updated_at) >= now - JUST_BOOKED,
                ),
            ),
        )
        .order_by(col(SlotOffer.start))
    ).all()
    return [view(session, r, now, participant_id) for r in rows]


@dataclass(frozen=True)
class Freed:
    """A freed meeting and its ranked offers, for the control room."""

    uid: str
    title: str
    status: str  # "no_show" or "cancelled"
    start: datetime
    end: datetime
    place_kind: str
    place: str
    offers: tuple[dict[str, Any], ...]


def recent(session: Session, fair_id: int, now: datetime) -> list[Freed]:
    """The freed meetings of the published schedule whose slot has not ended (offered or
    not: no waiting pair may fit) and those offered in the last hours, newest first."""
    offered = set(
        session.exec(
            select(SlotOffer.freed_id).where(
                SlotOffer.fair_id == fair_id, col(SlotOffer.created_at) >= now - RECENT
            )
        ).all()
    )
    version = published_version(session, fair_id)
    running: set[int | None] = set()
    if version is not None:
        running = set(
            session.exec(
                select(Meeting.id).where(
                    Meeting.version_id == version.id,
                    col(Meeting.status).in_((MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED)),
                    col(Meeting.end) > now,
                )
            ).all()
        )
    freed_ids = offered | {i for i in running if i is not None}
    out = []
    for meeting in session.exec(
        select(Meeting)
        .where(col(Meeting.id).in_(list(freed_ids)))
        .order_by(col(Meeting.start).desc(), col(Meeting.id).desc())
    ):
        request = session.get(MeetingRequest, meeting.request_id)
        assert request is not None
        offers = session.exec(
            select(SlotOffer).where(SlotOffer.freed_id == meeting.id).order_by(col(SlotOffer.rank))
        ).all()
        names = (_label(session, request.from_id), _label(session, request.to_id))
        out.append(
            Freed(
                uid=request.uid,
                title=" · ".join(dict.fromkeys(n["company"] for n in names)),
                status=str(meeting.status),
                start=meeting.start,
                end=meeting.end,
                place_kind=str(meeting.place_kind),
                place=_place(session, meeting),
                offers=tuple(view(session, o, now) for o in offers),
            )
        )
    return out
