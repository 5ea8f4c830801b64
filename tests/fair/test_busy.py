"""Busy-time import from a participant's .ics: recurrence, zones, all-day events, the
solver's view of the result, and hostile files that must change nothing."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair.busy import MAX_BYTES, fair_window, import_busy, parse_busy
from fair.db import session_scope
from fair.errors import InvalidInput
from fair.loader import import_files
from fair.models import BusyTime, Fair, Participant
from fair.planning import build_problem
from scheduler.availability import availability
from tests.factories import fair_files

WINDOW = (datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))


def ics(*events: str, timezones: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{timezones}{body}END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode("utf-8")


WEEKLY_SEOUL = """
UID:weekly-standup
SUMMARY:Weekly stand-up
DTSTART;TZID=Asia/Seoul:20261106T100000
DTEND;TZID=Asia/Seoul:20261106T110000
RRULE:FREQ=WEEKLY;BYDAY=FR
"""

# A VTIMEZONE under a non-IANA name, as Outlook writes them.
OUTLOOK_TZ = """BEGIN:VTIMEZONE
TZID:Korea Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
END:STANDARD
END:VTIMEZONE
"""


def spans(found: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(b.start.isoformat(), b.end.isoformat()) for b in found]


# ---------------------------------------------------------------------------- parsing


def test_parse_weekly_rule_expands_only_inside_window() -> None:
    found = parse_busy(ics(WEEKLY_SEOUL), *WINDOW, "Asia/Seoul")
    assert spans(found) == [("2026-11-27T01:00:00+00:00", "2026-11-27T02:00:00+00:00")]


def test_parse_exdate_and_rdate_and_overridden_instance() -> None:
    event = """
UID:daily
SUMMARY:Daily call
DTSTART;TZID=Europe/Berlin:20261120T090000
DURATION:PT30M
RRULE:FREQ=DAILY;COUNT=20
EXDATE;TZID=Europe/Berlin:20261127T090000
RDATE;TZID=Europe/Berlin:20261128T200000
"""
    moved = """
UID:daily
RECURRENCE-ID;TZID=Europe/Berlin:20261128T090000
SUMMARY:Daily call (moved)
DTSTART;TZID=Europe/Berlin:20261128T150000
DTEND;TZID=Europe/Berlin:20261128T153000
"""
    found = parse_busy(ics(event, moved), *WINDOW, "Asia/Seoul")
    assert spans(found) == [
        ("2026-11-26T08:00:00+00:00", "2026-11-26T08:30:00+00:00"),
        ("2026-11-28T14:00:00+00:00", "2026-11-28T14:30:00+00:00"),
        ("2026-11-28T19:00:00+00:00", "2026-11-28T19:30:00+00:00"),
        ("2026-11-29T08:00:00+00:00", "2026-11-29T08:30:00+00:00"),
    ]


def test_parse_vtimezone_of_the_file_and_utc_and_floating_times() -> None:
    found = parse_busy(
        ics(
            "UID:a\nDTSTART;TZID=Korea Standard Time:20261127T090000\n"
            "DTEND;TZID=Korea Standard Time:20261127T093000",
            "UID:b\nDTSTART:20261127T120000Z\nDTEND:20261127T130000Z",
            "UID:c\nDTSTART:20261128T090000\nDTEND:20261128T100000",  # floating: own zone
            timezones=OUTLOOK_TZ,
        ),
        *WINDOW,
        "Asia/Jerusalem",
    )
    assert spans(found) == [
        ("2026-11-27T00:00:00+00:00", "2026-11-27T00:30:00+00:00"),
        ("2026-11-27T12:00:00+00:00", "2026-11-27T13:00:00+00:00"),
        ("2026-11-28T07:00:00+00:00", "2026-11-28T08:00:00+00:00"),
    ]


def test_parse_all_day_event_blocks_the_day_in_own_zone() -> None:
    found = parse_busy(
        ics("UID:holiday\nSUMMARY:Holiday\nDTSTART;VALUE=DATE:20261128\nDTEND;VALUE=DATE:20261129"),
        *WINDOW,
        "Asia/Tokyo",
    )
    assert spans(found) == [("2026-11-27T15:00:00+00:00", "2026-11-28T15:00:00+00:00")]


def test_parse_free_and_cancelled_events_block_nothing() -> None:
    found = parse_busy(
        ics(
            "UID:f\nTRANSP:TRANSPARENT\nDTSTART:20261127T010000Z\nDTEND:20261127T020000Z",
            "UID:x\nSTATUS:CANCELLED\nDTSTART:20261127T010000Z\nDTEND:20261127T020000Z",
        ),
        *WINDOW,
        "UTC",
    )
    assert found == []


def test_parse_bom_and_lf_only_lines_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + ics(WEEKLY_SEOUL).replace(b"\r\n", b"\n")
    assert len(parse_busy(data, *WINDOW, "Asia/Seoul")) == 1


# ---------------------------------------------------------------------------- hostile


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as info:
        parse_busy(data, *WINDOW, "Asia/Seoul")
    return str(info.value)


def test_hostile_huge_file_is_refused_by_size() -> None:
    big = ics(WEEKLY_SEOUL) + b" " * MAX_BYTES
    assert "limit is 2 MiB" in refused(big)


def test_hostile_deep_nesting_names_line() -> None:
    nested = "".join("BEGIN:X-A\n" for _ in range(5000)) + "".join("END:X-A\n" for _ in range(5000))
    message = refused(f"BEGIN:VCALENDAR\n{nested}END:VCALENDAR\n".encode())
    assert message.startswith("line 5: components nested 5 deep (at most 4)")


def test_hostile_wrong_encoding_names_line() -> None:
    data = ics(WEEKLY_SEOUL.replace("Weekly stand-up", "Réunion")).decode().encode("latin-1")
    assert refused(data).startswith("line 6: the calendar file is not UTF-8 text")


def test_hostile_unknown_tzid_names_event() -> None:
    event = WEEKLY_SEOUL.replace("Asia/Seoul", "Mars/Olympus_Mons")
    assert refused(ics(event)) == (
        "event UID 'weekly-standup' 'Weekly stand-up': unknown time zone 'Mars/Olympus_Mons' "
        "(no VTIMEZONE in the file and not an IANA name like Europe/Berlin)"
    )


def test_hostile_garbage_and_unbalanced_files() -> None:
    assert "not UTF-8" in refused(b"\x89PNG\r\n\x1a\n....")
    assert "line 1: not an iCalendar file" in refused(b"<html>hello</html>")
    assert "END:VCALENDAR but VEVENT is open" in refused(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert "missing END" in refused(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")
    assert "no DTSTART" in refused(ics("UID:n\nSUMMARY:No start"))
    assert "the file is empty" in refused(b"   \r\n")


def test_event_ending_before_it_starts_is_refused_with_the_reason() -> None:
    backwards = "UID:back\nSUMMARY:Backwards\nDTSTART:20261127T100000Z\nDTEND:20261127T090000Z"
    assert refused(ics(backwards)) == (
        "event UID 'back' 'Backwards': it ends before it starts (DTEND 2026-11-27 09:00 UTC "
        "is before DTSTART 2026-11-27 10:00 UTC); fix the event in your calendar"
    )
    # A recurring one was swapped by the expansion (09:00–10:00 every day): refused too.
    assert "it ends before it starts" in refused(ics(backwards + "\nRRULE:FREQ=DAILY;COUNT=2"))
    negative = "UID:neg\nSUMMARY:Negative\nDTSTART:20261127T100000Z\nDURATION:-PT1H"
    assert refused(ics(negative)).startswith(
        "event UID 'neg' 'Negative': it ends before it starts (DURATION -PT1H is negative)"
    )


def test_hostile_rule_with_endless_occurrences_is_capped() -> None:
    every_minute = (
        "UID:spam\nSUMMARY:Spam\nDTSTART:20261101T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY"
    )
    assert "more than 2000 busy times" in refused(ics(every_minute))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_are_refused_cleanly_or_read(data: bytes) -> None:
    try:
        found = parse_busy(data, *WINDOW, "Asia/Seoul")
    except InvalidInput as exc:
        assert str(exc)
    else:
        assert all(WINDOW[0] <= b.start < b.end <= WINDOW[1] for b in found)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "BEGIN:VEVENT",
                "END:VEVENT",
                "DTSTART:2026",
                "RRULE:FREQ=",
                "BEGIN:VCALENDAR",
                "END:VCALENDAR",
                "X;TZID=Ab:1",
                ":",
                ";",
            ]
        ),
        max_size=30,
    )
)
def test_random_ical_shaped_lines_never_crash(parts: list[str]) -> None:
    data = ("BEGIN:VCALENDAR\r\n" + "\r\n".join(parts) + "\r\nEND:VCALENDAR\r\n").encode()
    with contextlib.suppress(InvalidInput):
        parse_busy(data, *WINDOW, "Asia/Seoul")


# ---------------------------------------------------------------------------- storing


@pytest.fixture
def fair(engine: Engine) -> int:
    return import_files(engine, fair_files()).fair_id


def person(session: Session, key: str) -> Participant:
    return session.exec(select(Participant).where(Participant.key == key)).one()


def test_import_weekly_event_blocks_exactly_matching_slots_for_solver(
    engine: Engine, fair: int
) -> None:
    with session_scope(engine) as session:
        rows = import_busy(session, person(session, "kr1"), ics(WEEKLY_SEOUL))
        assert len(rows) == 1
    with Session(engine) as session:
        planning = build_problem(session, fair)
    slots = {s.index: s for s in planning.problem.slots}
    free = availability(planning.problem)["kr1"].online
    blocked = {i for i in slots if i not in free}
    # Fridays 10:00–11:00 in Seoul = 09:00–10:00 fair time: the first two slots of day 1.
    assert sorted((slots[i].start.isoformat()) for i in blocked) == [
        "2026-11-27T01:00:00+00:00",
        "2026-11-27T01:30:00+00:00",
    ]
    # Nobody else is affected.
    assert len(availability(planning.problem)["kr2"].online) == len(slots)


def test_import_replaces_previous_ics_import_and_keeps_other_sources(
    engine: Engine, fair: int
) -> None:
    with session_scope(engine) as session:
        kr1 = person(session, "kr1")
        session.add(
            BusyTime(
                participant_id=kr1.id,
                start=datetime(2026, 11, 28, 1, tzinfo=UTC),
                end=datetime(2026, 11, 28, 2, tzinfo=UTC),
                source="roadshow",
            )
        )
        import_busy(session, kr1, ics(WEEKLY_SEOUL))
    with session_scope(engine) as session:
        import_busy(
            session,
            person(session, "kr1"),
            ics("UID:z\nDTSTART:20261128T030000Z\nDTEND:20261128T040000Z"),
        )
    with Session(engine) as session:
        rows = session.exec(select(BusyTime).order_by(BusyTime.start)).all()
    assert [(r.source, r.start.hour) for r in rows] == [("roadshow", 1), ("ics", 3)]


def test_import_bad_file_changes_nothing(engine: Engine, fair: int) -> None:
    with session_scope(engine) as session:
        import_busy(session, person(session, "kr1"), ics(WEEKLY_SEOUL))
    with pytest.raises(InvalidInput), session_scope(engine) as session:
        import_busy(
            session, person(session, "kr1"), ics(WEEKLY_SEOUL.replace("Asia/Seoul", "Nowhere"))
        )
    with Session(engine) as session:
        assert len(session.exec(select(BusyTime)).all()) == 1


def test_fair_window_covers_every_zone_of_fair_dates(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        start, end = fair_window(session.exec(select(Fair)).one())
    assert start <= datetime(2026, 11, 26, 10, tzinfo=UTC)  # 27 Nov begins in Kiribati
    assert end >= datetime(2026, 11, 29, 10, tzinfo=UTC)  # 28 Nov ends in Samoa
    assert end - start <= timedelta(days=5)
