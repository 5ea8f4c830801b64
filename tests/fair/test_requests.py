"""A participant's meeting requests, on SQLite and PostgreSQL.

The small fair of tests/factories.py: kr1 and kr2 work for the same Korean exhibitor,
cn1 and de1 are buyers, int1 interprets; cn1→kr1 and de1→kr1 are accepted, de1→kr2 is
pending. Days run 09:00–12:00 Shanghai with a break at 10:30, so the longest run of
30-minute slots is 3.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.models import MeetingRequest, Participant
from fair.requests import (
    AlreadyRequested,
    FieldError,
    accept_request,
    decline_request,
    directory,
    fair_requests,
    get_request,
    my_requests,
    send_request,
    whole_number,
    withdraw_request,
)

pytestmark = pytest.mark.integration


def person(session: Session, key: str) -> Participant:
    found = session.exec(select(Participant).where(Participant.key == key)).one()
    return found


def request_id(session: Session, key: str) -> int:
    r = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one()
    assert r.id is not None
    return r.id


def field_of(exc: pytest.ExceptionInfo[FieldError]) -> str:
    assert str(exc.value).startswith(f"{exc.value.field}: ")
    return exc.value.field


# ------------------------------------------------------------------------------ send


def test_send_request_to_other_company_is_pending(db: Session) -> None:
    view = send_request(db, person(db, "cn1"), "de1", priority=4, mode="online", length=2)
    assert (view.direction, view.counterpart_key, view.status) == ("sent", "de1", "pending")
    assert (view.priority, view.mode, view.length) == (4, "online", 2)
    assert view.counterpart_company == "Hanse Feinkost GmbH"
    stored = db.get(MeetingRequest, view.id)
    assert stored is not None and stored.key == "cn1>de1"


def test_send_request_to_self_is_refused(db: Session) -> None:
    with pytest.raises(FieldError) as exc:
        send_request(db, person(db, "cn1"), "cn1")
    assert field_of(exc) == "to"


def test_send_request_to_own_company_is_refused(db: Session) -> None:
    with pytest.raises(FieldError, match="your own company") as exc:
        send_request(db, person(db, "kr1"), "kr2")
    assert field_of(exc) == "to"


def test_send_request_to_unknown_participant_is_refused(db: Session) -> None:
    with pytest.raises(FieldError, match="no participant 'zz9'") as exc:
        send_request(db, person(db, "kr1"), "zz9")
    assert field_of(exc) == "to"


def test_send_request_without_receiver_is_refused(db: Session) -> None:
    with pytest.raises(FieldError) as exc:
        send_request(db, person(db, "kr1"), "  ")
    assert field_of(exc) == "to"


def test_send_request_duplicate_pair_is_refused(db: Session) -> None:
    with pytest.raises(AlreadyRequested, match="already requested: you sent") as exc:
        send_request(db, person(db, "de1"), "kr2")
    assert field_of(exc) == "to"
    assert "(pending)" in str(exc.value)


def test_send_request_reverse_of_a_pending_request_is_refused(db: Session) -> None:
    # de1 asked kr2 (r3, pending): kr2 answers that request instead of sending a second.
    with pytest.raises(AlreadyRequested, match="has asked you; answer their request") as exc:
        send_request(db, person(db, "kr2"), "de1")
    assert field_of(exc) == "to"


def test_send_request_reverse_of_an_answered_request_is_refused(db: Session) -> None:
    # cn1 asked kr1 (r1) and kr1 accepted: they meet already.
    with pytest.raises(AlreadyRequested, match="asked you and you accepted it"):
        send_request(db, person(db, "kr1"), "cn1")


def test_send_request_after_a_decline_is_refused(db: Session) -> None:
    kr2 = person(db, "kr2")
    (received,) = my_requests(db, kr2).received
    decline_request(db, kr2, received.id)
    with pytest.raises(AlreadyRequested, match="declined your request"):
        send_request(db, person(db, "de1"), "kr2")
    with pytest.raises(AlreadyRequested, match="asked you and you declined it"):
        send_request(db, kr2, "de1")


@pytest.mark.parametrize("priority", [1, 5, "3"])
def test_send_request_priority_in_range_holds(db: Session, priority: object) -> None:
    assert send_request(db, person(db, "cn1"), "de1", priority=priority).priority == int(
        str(priority)
    )


@pytest.mark.parametrize("priority", [0, 6, "high", None, 2.5, True])
def test_send_request_priority_out_of_range_is_refused(db: Session, priority: object) -> None:
    with pytest.raises(FieldError) as exc:
        send_request(db, person(db, "cn1"), "de1", priority=priority)
    assert field_of(exc) == "priority"
    assert str(exc.value).startswith("priority: must be")


@pytest.mark.parametrize("mode", ["in_person", "online", "either"])
def test_send_request_known_mode_holds(db: Session, mode: str) -> None:
    assert send_request(db, person(db, "cn1"), "de1", mode=mode).mode == mode


@pytest.mark.parametrize("mode", ["video", "", 1])
def test_send_request_unknown_mode_is_refused(db: Session, mode: object) -> None:
    with pytest.raises(FieldError) as exc:
        send_request(db, person(db, "cn1"), "de1", mode=mode)
    assert field_of(exc) == "mode"


def test_send_request_length_of_longest_run_holds(db: Session) -> None:
    assert send_request(db, person(db, "cn1"), "de1", length=3).length == 3


@pytest.mark.parametrize("length", [0, 4, "two"])
def test_send_request_length_beyond_longest_run_is_refused(db: Session, length: object) -> None:
    with pytest.raises(FieldError, match="1–3") as exc:
        send_request(db, person(db, "cn1"), "de1", length=length)
    assert field_of(exc) == "length"


def test_field_error_is_invalid_input() -> None:
    assert issubclass(FieldError, InvalidInput)
    assert str(FieldError("priority", "must be 1–5")) == "priority: must be 1–5"
    assert whole_number("length", " 2 ", 1, 3) == 2


# ---------------------------------------------------------------------- accept/decline


def test_accept_request_by_receiver_with_own_priority(db: Session) -> None:
    rid = request_id(db, "r3")
    view = accept_request(db, person(db, "kr2"), rid, to_priority="5")
    assert (view.status, view.to_priority, view.direction) == ("accepted", 5, "received")
    stored = db.get(MeetingRequest, rid)
    assert stored is not None and stored.to_priority == 5


def test_accept_request_without_priority_keeps_none(db: Session) -> None:
    view = accept_request(db, person(db, "kr2"), request_id(db, "r3"))
    assert view.to_priority is None


def test_accept_request_bad_priority_is_refused(db: Session) -> None:
    with pytest.raises(FieldError) as exc:
        accept_request(db, person(db, "kr2"), request_id(db, "r3"), to_priority=9)
    assert field_of(exc) == "to_priority"


def test_accept_request_by_sender_is_forbidden(db: Session) -> None:
    with pytest.raises(Forbidden):
        accept_request(db, person(db, "de1"), request_id(db, "r3"))


@pytest.mark.parametrize("outsider", ["kr1", "cn1", "int1"])
def test_accept_request_by_outsider_is_forbidden(db: Session, outsider: str) -> None:
    # kr1 is even a colleague of the receiver: still not a party.
    with pytest.raises(Forbidden):
        accept_request(db, person(db, outsider), request_id(db, "r3"))


def test_accept_request_already_accepted_is_conflict(db: Session) -> None:
    with pytest.raises(Conflict, match="already accepted"):
        accept_request(db, person(db, "kr1"), request_id(db, "r1"))


def test_decline_request_by_receiver(db: Session) -> None:
    view = decline_request(db, person(db, "kr2"), request_id(db, "r3"))
    assert view.status == "declined"
    with pytest.raises(Conflict):
        accept_request(db, person(db, "kr2"), request_id(db, "r3"))


def test_decline_request_by_sender_is_forbidden(db: Session) -> None:
    with pytest.raises(Forbidden):
        decline_request(db, person(db, "de1"), request_id(db, "r3"))


def test_act_on_unknown_request_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        decline_request(db, person(db, "kr2"), 999_999)


# ---------------------------------------------------------------------------- withdraw


def test_withdraw_pending_request_by_sender_deletes_it(db: Session) -> None:
    rid = request_id(db, "r3")
    view = withdraw_request(db, person(db, "de1"), rid)
    assert view.counterpart_key == "kr2"
    assert db.get(MeetingRequest, rid) is None
    # ...so the sender may ask again.
    assert send_request(db, person(db, "de1"), "kr2").status == "pending"


def test_withdraw_request_by_receiver_is_forbidden(db: Session) -> None:
    with pytest.raises(Forbidden):
        withdraw_request(db, person(db, "kr2"), request_id(db, "r3"))


def test_withdraw_accepted_request_is_conflict(db: Session) -> None:
    with pytest.raises(Conflict):
        withdraw_request(db, person(db, "de1"), request_id(db, "r2"))


# ------------------------------------------------------------------------------- lists


def test_my_requests_lists_sent_and_received_with_companies(db: Session) -> None:
    mine = my_requests(db, person(db, "kr1"))
    assert mine.sent == ()
    assert sorted(v.counterpart_key for v in mine.received) == ["cn1", "de1"]
    de1 = my_requests(db, person(db, "de1"))
    assert {(v.counterpart_key, v.status) for v in de1.sent} == {
        ("kr1", "accepted"),
        ("kr2", "pending"),
    }
    assert {v.counterpart_company for v in de1.sent} == {"부산해양식품 주식회사"}


def test_my_requests_of_uninvolved_participant_is_empty(db: Session) -> None:
    mine = my_requests(db, person(db, "int1"))
    assert mine.sent == () and mine.received == ()


def test_get_request_only_for_its_parties(db: Session) -> None:
    rid = request_id(db, "r3")
    assert get_request(db, person(db, "kr2"), rid).counterpart_key == "de1"
    with pytest.raises(Forbidden):
        get_request(db, person(db, "cn1"), rid)


def test_directory_lists_other_companies_and_marks_requested(db: Session) -> None:
    entries = directory(db, person(db, "de1"))
    keys = [e.key for e in entries]
    assert "de1" not in keys and "int1" not in keys  # self, interpreters
    assert {"kr1", "kr2", "cn1"} <= set(keys)
    assert {e.key for e in entries if e.requested} == {"kr1", "kr2"}


def test_directory_search_matches_offers(db: Session) -> None:
    # Offers belong to the company, so both of its people match.
    assert sorted(e.key for e in directory(db, person(db, "de1"), "laver")) == ["kr1", "kr2"]
    assert directory(db, person(db, "de1"), "no such thing") == []
    assert {e.key for e in directory(db, person(db, "kr1"), role="buyer")} == {"de1", "cn1"}


# --------------------------------------------------------------------------- organiser


def test_fair_requests_lists_all_with_companies(db: Session) -> None:
    fair_id = person(db, "kr1").fair_id
    rows = fair_requests(db, fair_id)
    assert [(r.key, r.from_key, r.to_key) for r in rows] == [
        ("r1", "cn1", "kr1"),
        ("r2", "de1", "kr1"),
        ("r3", "de1", "kr2"),
    ]
    assert rows[0].third_seat == "interpreter:ko-zh"
    assert [r.key for r in fair_requests(db, fair_id, "pending")] == ["r3"]


def test_fair_requests_unknown_status_is_refused(db: Session) -> None:
    with pytest.raises(FieldError) as exc:
        fair_requests(db, person(db, "kr1").fair_id, "maybe")
    assert field_of(exc) == "status"
