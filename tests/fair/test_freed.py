"""Freed slots refilled live (`fair.freed`): a no-show's or a cancelled meeting's slot is
offered to the waiting pair that can use it now; both sides accept and the meeting is in
the published version, its agendas and calendars; refusals say why; a race books once
(SQLite and PostgreSQL; the race on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fair import freed
from fair.db import session_scope
from fair.errors import Conflict, Forbidden, NotFound
from fair.ical import participant_calendar_file
from fair.models import (
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Mode,
    OfferStatus,
    Participant,
    PlaceKind,
    RequestStatus,
    ScheduleVersion,
    SlotOffer,
)
from fair.presence import load_room
from fair.queries import agenda
from fair.versions import published_edition
from tests.live_fair import LiveFair, build_live_fair, meeting_of

pytestmark = pytest.mark.integration


@pytest.fixture
def live(engine: Engine) -> LiveFair:
    return build_live_fair(engine)


def _people(session: Session) -> dict[str, int]:
    return {p.key: p.id or 0 for p in session.exec(select(Participant))}


def _no_show(engine: Engine, live: LiveFair) -> int:
    with session_scope(engine) as session:
        meeting = meeting_of(session, live.uid)
        meeting.status = MeetingStatus.NO_SHOW
        session.add(meeting)
        assert meeting.id is not None
        return meeting.id


def _offer(engine: Engine, meeting_id: int) -> freed.Changed:
    with session_scope(engine) as session:
        return freed.offer_freed(session, meeting_id, datetime.now(UTC))


def _add_waiting(engine: Engine, fair_id: int, key: str, frm: str, to: str) -> None:
    with session_scope(engine) as session:
        people = _people(session)
        session.add(
            MeetingRequest(
                fair_id=fair_id,
                key=key,
                from_id=people[frm],
                to_id=people[to],
                priority=4,
                mode=Mode.ONLINE,
                status=RequestStatus.ACCEPTED,
            )
        )


def _answer(engine: Engine, offer_id: int, who: str, accept: bool = True) -> freed.Changed:
    with session_scope(engine) as session:
        return freed.respond(session, offer_id, _people(session)[who], accept, datetime.now(UTC))


def test_a_no_show_offers_its_slot_to_the_waiting_pair(engine: Engine, live: LiveFair) -> None:
    meeting_id = _no_show(engine, live)
    changed = _offer(engine, meeting_id)
    with Session(engine) as session:
        people = _people(session)
        (offer,) = session.exec(select(SlotOffer)).all()
        request = session.get(MeetingRequest, offer.request_id)
        assert request is not None and request.key == "r9"
        assert offer.status == OfferStatus.OFFERED and offer.rank == 0
        assert offer.start == live.slot_start and offer.place_kind == PlaceKind.ONLINE
        assert set(changed.notify) == {people["b2"], people["e2"]}
        view = freed.view(session, offer, datetime.now(UTC), people["b2"])
        assert view["with"]["company"] == "Jeju Greens" and view["timezone"] == live.zone
        assert [v["id"] for v in freed.open_for(session, people["e2"], datetime.now(UTC))] == [
            offer.id
        ]
        assert freed.open_for(session, people["b1"], datetime.now(UTC)) == []
    # Once per freed meeting, however many processes sweep it.
    assert _offer(engine, meeting_id).offers == ()
    with Session(engine) as session:
        assert len(session.exec(select(SlotOffer)).all()) == 1


def test_both_accept_and_the_meeting_is_in_agendas_calendars_and_rooms(
    engine: Engine, live: LiveFair
) -> None:
    _offer(engine, _no_show(engine, live))
    with Session(engine) as session:
        offer_id = session.exec(select(SlotOffer.id)).one()
        before = published_edition(session, live.fair_id)
    assert before is not None
    first = _answer(engine, offer_id, "b2")
    assert first.booked is None
    with Session(engine) as session:
        assert meeting_of_or_none(session, live.waiting_uid) is None
    second = _answer(engine, offer_id, "e2")
    assert second.booked == live.waiting_uid
    with Session(engine) as session:
        people = _people(session)
        meeting = meeting_of(session, live.waiting_uid)
        assert meeting.version_id == before[0] and meeting.status == MeetingStatus.SCHEDULED
        assert meeting.start == live.slot_start
        assert published_edition(session, live.fair_id) == (before[0], before[1] + 1)
        offer = session.get(SlotOffer, offer_id)
        assert offer is not None and offer.status == OfferStatus.BOOKED
        assert offer.meeting_id == meeting.id
        person = session.get(Participant, people["b2"])
        assert person is not None
        assert live.waiting_uid in [item.uid for item in agenda(session, person)]
        calendar = participant_calendar_file(session, live.fair_id, "b2", "http://x", 10)
        assert live.waiting_uid in calendar.text
        room = load_room(session, live.waiting_uid)
        assert {m.participant_id for m in room.members} == {people["b2"], people["e2"]}
    # A booked offer is closed.
    with pytest.raises(Conflict, match="already booked"):
        _answer(engine, offer_id, "b2")


def meeting_of_or_none(session: Session, uid: str) -> Meeting | None:
    return session.exec(
        select(Meeting)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(MeetingRequest.uid == uid)
    ).first()


def test_answers_are_refused_with_the_reason(engine: Engine, live: LiveFair) -> None:
    _offer(engine, _no_show(engine, live))
    with Session(engine) as session:
        offer_id = session.exec(select(SlotOffer.id)).one()
    with pytest.raises(Forbidden, match="not yours"):
        _answer(engine, offer_id, "b1")
    with pytest.raises(Forbidden, match="not yours"):
        _answer(engine, 10_000, "b2")
    _answer(engine, offer_id, "b2", accept=False)
    with pytest.raises(Conflict, match="declined"):
        _answer(engine, offer_id, "e2")
    # A slot that has passed is no longer offered.
    with session_scope(engine) as session:
        offer = session.get(SlotOffer, offer_id)
        assert offer is not None
        offer.status = OfferStatus.OFFERED
        offer.end = datetime.now(UTC) - timedelta(minutes=1)
        session.add(offer)
    with pytest.raises(Conflict, match="passed"):
        _answer(engine, offer_id, "e2")


def test_a_decline_offers_the_next_waiting_pair(engine: Engine, live: LiveFair) -> None:
    _add_waiting(engine, live.fair_id, "r8", "b1", "e2")
    _offer(engine, _no_show(engine, live))
    with Session(engine) as session:
        offers = session.exec(select(SlotOffer).order_by(col(SlotOffer.rank))).all()
        assert [o.status for o in offers] == [OfferStatus.OFFERED, OfferStatus.WAITING]
        first, second = offers[0].id or 0, offers[1].id or 0
        first_people = freed.members(session, offers[0])
    who = next(k for k, v in _people_of(engine).items() if v in first_people)
    changed = _answer(engine, first, who, accept=False)
    assert second in changed.offers
    with Session(engine) as session:
        row = session.get(SlotOffer, second)
        assert row is not None and row.status == OfferStatus.OFFERED
        assert set(freed.members(session, row)) <= set(changed.notify)


def _people_of(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return _people(session)


def test_a_booking_whose_person_was_booked_meanwhile_is_taken(
    engine: Engine, live: LiveFair
) -> None:
    _offer(engine, _no_show(engine, live))
    with session_scope(engine) as session:
        offer = session.exec(select(SlotOffer)).one()
        people = _people(session)
        # e2 got another meeting at that time (the organiser placed one by hand).
        other = MeetingRequest(
            fair_id=live.fair_id,
            key="r7",
            from_id=people["b1"],
            to_id=people["e2"],
            mode=Mode.ONLINE,
            status=RequestStatus.ACCEPTED,
        )
        session.add(other)
        session.flush()
        version_id = meeting_of(session, live.uid).version_id
        session.add(
            Meeting(
                fair_id=live.fair_id,
                version_id=version_id,
                request_id=other.id or 0,
                start=offer.start,
                end=offer.end,
                place_kind=PlaceKind.ONLINE,
            )
        )
        offer_id = offer.id or 0
    _answer(engine, offer_id, "b2")
    changed = _answer(engine, offer_id, "e2")
    assert changed.booked is None
    assert "another meeting at that time" in changed.refused
    with Session(engine) as session:
        assert meeting_of_or_none(session, live.waiting_uid) is None
        row = session.get(SlotOffer, offer_id)
        assert row is not None and row.status == OfferStatus.TAKEN


def test_the_organiser_cancels_a_meeting_and_its_slot_is_offered(
    engine: Engine, live: LiveFair
) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        before = published_edition(session, live.fair_id)
        meeting = freed.cancel_meeting(session, live.fair_id, live.uid, now)
        meeting_id = meeting.id or 0
        assert meeting.status == MeetingStatus.CANCELLED and meeting.sequence == 1
    assert before is not None
    with Session(engine) as session:
        assert published_edition(session, live.fair_id) == (before[0], before[1] + 1)
        calendar = participant_calendar_file(session, live.fair_id, "b1", "http://x", 10)
        assert "STATUS:CANCELLED" in calendar.text
    with session_scope(engine) as session, pytest.raises(Conflict, match="already cancelled"):
        freed.cancel_meeting(session, live.fair_id, live.uid, now)
    with session_scope(engine) as session, pytest.raises(NotFound):
        freed.cancel_meeting(session, live.fair_id, "no-such-uid", now)
    with session_scope(engine) as session, pytest.raises(Conflict, match="ended"):
        freed.cancel_meeting(session, live.fair_id, live.uid, now + timedelta(hours=2))
    changed = _offer(engine, meeting_id)
    assert len(changed.offers) == 1


def test_the_organiser_offers_a_waiting_proposal(engine: Engine, live: LiveFair) -> None:
    _add_waiting(engine, live.fair_id, "r8", "b1", "e2")
    _offer(engine, _no_show(engine, live))
    with Session(engine) as session:
        waiting = session.exec(
            select(SlotOffer).where(SlotOffer.status == OfferStatus.WAITING)
        ).one()
    with session_scope(engine) as session:
        changed = freed.offer(session, live.fair_id, waiting.id or 0, datetime.now(UTC))
    assert changed.offers == (waiting.id,) and len(changed.notify) == 2
    with session_scope(engine) as session, pytest.raises(NotFound):
        freed.offer(session, live.fair_id + 1, waiting.id or 0, datetime.now(UTC))
    with Session(engine) as session:
        (slot,) = freed.recent(session, live.fair_id, datetime.now(UTC))
        assert slot.uid == live.uid and slot.status == "no_show"
        assert [o["status"] for o in slot.offers] == ["offered", "offered"]


@pytest.mark.postgres
def test_two_pairs_accepting_the_same_slot_at_once_book_it_once(
    postgres_engine: Engine,
) -> None:
    """Two organisers offered the slot to two pairs; their last accepts arrive together
    on two connections (two server processes): exactly one meeting is booked."""
    engine = postgres_engine
    live = build_live_fair(engine)
    # Two pairs with nobody in common: only the slot itself is contended.
    _add_waiting(engine, live.fair_id, "r6", "b3", "e3")
    _offer(engine, _no_show(engine, live))
    with session_scope(engine) as session:
        offers = session.exec(select(SlotOffer).order_by(col(SlotOffer.rank))).all()
        for o in offers:
            freed.offer(session, live.fair_id, o.id or 0, datetime.now(UTC))
        people = _people(session)
        pairs = []
        for o in offers:
            sides = freed.sides(session, o.request_id)
            frm = next(p for p, s in sides.items() if s == "from")
            to = next(p for p, s in sides.items() if s == "to")
            pairs.append((o.id or 0, frm, to))
    by_key = {v: k for k, v in people.items()}
    for offer_id, frm, _ in pairs:
        _answer(engine, offer_id, by_key[frm])
    barrier = threading.Barrier(len(pairs))
    results: list[object] = []

    def accept(offer_id: int, who: str) -> None:
        barrier.wait()
        try:
            results.append(_answer(engine, offer_id, who))
        except Conflict as exc:
            results.append(exc)

    threads = [
        threading.Thread(target=accept, args=(offer_id, by_key[to])) for offer_id, _, to in pairs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    booked = [r for r in results if isinstance(r, freed.Changed) and r.booked]
    assert len(booked) == 1, results
    with Session(engine) as session:
        version_id = meeting_of(session, live.uid).version_id
        new = session.exec(
            select(Meeting).where(
                Meeting.version_id == version_id, Meeting.status == MeetingStatus.SCHEDULED
            )
        ).all()
        assert len(new) == 1
        statuses = sorted(o.status for o in session.exec(select(SlotOffer)))
        assert statuses == sorted([OfferStatus.BOOKED, OfferStatus.TAKEN])
        version = session.get(ScheduleVersion, version_id)
        assert version is not None and version.revision == 1
