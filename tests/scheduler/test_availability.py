"""Availability in local time: windows per IANA zone, DST, on-site days, busy times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.availability import person_availability
from scheduler.problem import Options, Person, Slot
from scheduler.solve import solve
from scheduler.validate import validate
from tests.scheduler.factories import fair, grid, person, request

pytestmark = pytest.mark.unit

BERLIN = ZoneInfo("Europe/Berlin")


def hourly(first_utc: datetime, hours: int, day_len: int = 24) -> tuple[Slot, ...]:
    """Hour-long slots around the clock (one block per day) starting at `first_utc`."""
    return tuple(
        Slot(
            index=i,
            start=first_utc + timedelta(hours=i),
            end=first_utc + timedelta(hours=i + 1),
            day=i // day_len,
            block=i // day_len,
        )
        for i in range(hours)
    )


def test_availability_berlin_person_only_inside_berlin_hours() -> None:
    slots = hourly(datetime(2026, 6, 15, 0, tzinfo=UTC), 48)
    p = Person("b", "c", "Europe/Berlin", windows=((time(9), time(17)),))
    got = person_availability(p, slots).online
    for s in slots:
        local = s.start.astimezone(BERLIN)
        assert (s.index in got) == (9 <= local.hour < 17)


def test_availability_dst_end_last_sunday_of_october_shifts_utc_hours() -> None:
    # Berlin leaves summer time on 2026-10-25 03:00 CEST → 02:00 CET
    slots = hourly(datetime(2026, 10, 24, 0, tzinfo=UTC), 72)
    p = Person("b", "c", "Europe/Berlin", windows=((time(9), time(17)),))
    got = person_availability(p, slots).online
    first_utc_hour = {
        d: min(slots[i].start.hour for i in got if slots[i].day == d) for d in range(3)
    }
    assert first_utc_hour == {0: 7, 1: 8, 2: 8}  # 09:00 CEST = 07:00Z, 09:00 CET = 08:00Z
    assert len(got) == 3 * 8


def test_availability_slot_must_lie_wholly_inside_window() -> None:
    slots = (
        Slot(
            0,
            datetime(2026, 6, 15, 6, 30, tzinfo=UTC),
            datetime(2026, 6, 15, 7, 30, tzinfo=UTC),
            0,
            0,
        ),
    )
    p = Person("b", "c", "Europe/Berlin", windows=((time(9), time(17)),))  # 08:30–09:30 local
    assert person_availability(p, slots).online == frozenset()


def test_availability_overnight_window_spans_midnight() -> None:
    slots = hourly(datetime(2026, 6, 15, 0, tzinfo=UTC), 24)
    p = Person("n", "c", "UTC", windows=((time(22), time(2)),))
    assert person_availability(p, slots).online == frozenset({0, 1, 22, 23})


def test_availability_onsite_only_on_onsite_days_and_busy_removed() -> None:
    slots = grid(2, 4)
    busy = ((slots[1].start, slots[1].end),)
    p = Person("p", "c", "Asia/Shanghai", onsite_days=frozenset({1}), busy=busy)
    a = person_availability(p, slots)
    assert a.online == frozenset({0, 2, 3, 4, 5, 6, 7})
    assert a.onsite == frozenset({4, 5, 6, 7})


def test_availability_attending_days_limit_everything() -> None:
    p = Person("p", "c", "Asia/Shanghai", days=frozenset({0}), onsite_days=frozenset({0, 1}))
    a = person_availability(p, grid(2, 4))
    assert a.online == a.onsite == frozenset({0, 1, 2, 3})


def test_solve_berlin_buyer_never_at_night_in_berlin() -> None:
    # a 24-hour grid in Qingdao time: only Berlin working hours can be used
    slots = hourly(datetime(2026, 10, 24, 0, tzinfo=UTC), 72)
    people = [
        person(f"b{i}", "Europe/Berlin", onsite=False, windows=((time(9), time(17)),))
        for i in range(3)
    ]
    people += [
        person(f"s{i}", "Asia/Shanghai", onsite=False, windows=((time(0), time(23, 59)),))
        for i in range(3)
    ]
    reqs = [
        request(f"r{i}{j}", f"b{i}", f"s{j}", mode="online") for i in range(3) for j in range(3)
    ]
    prob = fair(people, reqs)
    prob = type(prob)(slots=slots, people=prob.people, requests=prob.requests)
    res = solve(prob, Options(time_limit=5, workers=1, levels=1))
    assert len(res.assignments) == 9
    assert validate(prob, res.assignments) == []
    for a in res.assignments:
        local = slots[a.start].start.astimezone(BERLIN)
        assert 9 <= local.hour < 17
