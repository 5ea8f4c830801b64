"""Per-date availability: a person's own hours on some of their local dates.

The rule (docs/scheduler.md): on a local date with an entry of its own, that entry's
windows replace the every-day ones (none: away all day); a window belongs to the date it
starts on; a date without an entry and without every-day windows is unrestricted. The
solver's side (`scheduler.availability`, also used by `scheduler.edits`) and the
independent validator (`scheduler.validate`) must agree on every person and slot.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.availability import inside_windows, person_availability
from scheduler.baselines import fcfs, greedy
from scheduler.edits import Checker, Occupancy, Target
from scheduler.problem import Assignment, Options, Person, PlaceKind, Problem, Slot
from scheduler.reasons import explain
from scheduler.solve import solve
from scheduler.validate import _local_ok, validate
from tests.scheduler.factories import fair, grid, make_fair, person, request

pytestmark = pytest.mark.unit

NINE_TO_FIVE = ((time(9), time(17)),)


def hourly(first_utc: datetime, hours: int) -> tuple[Slot, ...]:
    """Hour-long slots around the clock, one fair day per 24 slots."""
    return tuple(
        Slot(i, first_utc + timedelta(hours=i), first_utc + timedelta(hours=i + 1), i // 24, 0)
        for i in range(hours)
    )


def local_hours(p: Person, slots: tuple[Slot, ...]) -> set[tuple[date, int]]:
    """The (local date, local hour) of each slot the person can attend."""
    zone = ZoneInfo(p.timezone)
    got = person_availability(p, slots).online
    return {
        (slots[i].start.astimezone(zone).date(), slots[i].start.astimezone(zone).hour) for i in got
    }


def test_dates_override_replaces_every_day_windows() -> None:
    slots = hourly(datetime(2026, 6, 15, 0, tzinfo=UTC), 48)
    p = Person(
        "p", "c", "UTC", windows=NINE_TO_FIVE, dates=((date(2026, 6, 16), ((time(12), time(14)),)),)
    )
    got = local_hours(p, slots)
    assert {h for d, h in got if d == date(2026, 6, 15)} == set(range(9, 17))
    assert {h for d, h in got if d == date(2026, 6, 16)} == {12, 13}
    assert all(_local_ok(p, s) == (s.index in person_availability(p, slots).online) for s in slots)


def test_dates_away_day_has_no_slot() -> None:
    slots = hourly(datetime(2026, 6, 15, 0, tzinfo=UTC), 48)
    p = Person("p", "c", "UTC", windows=NINE_TO_FIVE, dates=((date(2026, 6, 15), ()),))
    got = local_hours(p, slots)
    assert {d for d, _ in got} == {date(2026, 6, 16)}
    assert not any(_local_ok(p, s) for s in slots[:24])


def test_dates_overnight_window_belongs_to_the_date_it_starts_on() -> None:
    slots = hourly(datetime(2026, 6, 15, 0, tzinfo=UTC), 72)
    # the 16th runs 22:00-02:00; the 17th is away: its first two hours still count
    p = Person(
        "p",
        "c",
        "UTC",
        windows=NINE_TO_FIVE,
        dates=((date(2026, 6, 16), ((time(22), time(2)),)), (date(2026, 6, 17), ())),
    )
    got = local_hours(p, slots)
    assert got == {(date(2026, 6, 15), h) for h in range(9, 17)} | {
        (date(2026, 6, 16), 22),
        (date(2026, 6, 16), 23),
        (date(2026, 6, 17), 0),
        (date(2026, 6, 17), 1),
    }
    assert {s.index for s in slots if _local_ok(p, s)} == person_availability(p, slots).online


def test_dates_person_without_windows_is_free_except_the_away_date() -> None:
    slots = hourly(datetime(2026, 6, 15, 0, tzinfo=UTC), 72)
    p = Person("p", "c", "UTC", dates=((date(2026, 6, 16), ()),))
    online = person_availability(p, slots).online
    assert online == frozenset(range(24)) | frozenset(range(48, 72))
    assert {s.index for s in slots if _local_ok(p, s)} == online


def test_dates_free_day_joins_the_evening_window_before_it() -> None:
    # an hour across local midnight: the 15th ends at 24:00, the 16th is unrestricted
    slot = Slot(
        0, datetime(2026, 6, 15, 23, 30, tzinfo=UTC), datetime(2026, 6, 16, 0, 30, tzinfo=UTC), 0, 0
    )
    p = Person("p", "c", "UTC", dates=((date(2026, 6, 15), ((time(20), time.max),)),))
    assert inside_windows(p, slot) and _local_ok(p, slot)
    away = replace(p, dates=(*p.dates, (date(2026, 6, 16), ())))
    assert not inside_windows(away, slot) and not _local_ok(away, slot)


def test_dates_back_to_back_windows_are_one_stretch() -> None:
    at = datetime(2026, 6, 15, 11, 30, tzinfo=UTC)
    slot = Slot(0, at, at + timedelta(hours=1), 0, 0)
    split = ((time(9), time(12)), (time(12), time(17)))
    for p in (
        Person("p", "c", "UTC", windows=split),
        Person("p", "c", "UTC", dates=((date(2026, 6, 15), split),)),
    ):
        assert inside_windows(p, slot) and _local_ok(p, slot)
    gap = Person("p", "c", "UTC", windows=((time(9), time(12)), (time(12, 15), time(17))))
    assert not inside_windows(gap, slot) and not _local_ok(gap, slot)


def test_dates_dst_switch_day_keeps_wall_clock_hours() -> None:
    # Berlin enters summer time on 2026-03-29 (02:00 CET → 03:00 CEST); the fair is there
    berlin = ZoneInfo("Europe/Berlin")
    slots = hourly(datetime(2026, 3, 28, 0, tzinfo=UTC), 72)
    p = Person(
        "p",
        "c",
        "Europe/Berlin",
        windows=NINE_TO_FIVE,
        dates=((date(2026, 3, 29), ((time(10), time(12)),)),),
    )
    got = person_availability(p, slots).online
    on_switch = [slots[i] for i in sorted(got) if slots[i].start.astimezone(berlin).day == 29]
    assert [s.start.astimezone(berlin).hour for s in on_switch] == [10, 11]
    assert [s.start.hour for s in on_switch] == [8, 9]  # 10:00 CEST is 08:00Z
    before = [slots[i] for i in sorted(got) if slots[i].start.astimezone(berlin).day == 28]
    assert before[0].start.hour == 8  # 09:00 CET is 08:00Z the day before
    after = [slots[i] for i in sorted(got) if slots[i].start.astimezone(berlin).day == 30]
    assert after[0].start.hour == 7 and len(after) == 8  # 09:00 CEST is 07:00Z
    assert {s.index for s in slots if _local_ok(p, s)} == got


def test_dates_new_york_fall_back_day_nine_to_five_wall_clock() -> None:
    # New York leaves summer time on 2026-11-01: 09:00 EST is 14:00Z, a day earlier 13:00Z
    ny = ZoneInfo("America/New_York")
    slots = hourly(datetime(2026, 10, 31, 0, tzinfo=UTC), 72)
    p = Person("p", "c", "America/New_York", dates=((date(2026, 11, 1), NINE_TO_FIVE),))
    got = person_availability(p, slots).online
    switch = [slots[i] for i in sorted(got) if slots[i].start.astimezone(ny).date().day == 1]
    assert [s.start.astimezone(ny).hour for s in switch] == list(range(9, 17))
    assert switch[0].start.hour == 14
    assert {s.index for s in slots if _local_ok(p, s)} == got


def test_dates_date_line_person_uses_their_own_date() -> None:
    # A Shanghai fair day 2026-06-15 09:00-13:00 is 18:00-22:00 on the 14th in Los Angeles:
    # their row for the 14th decides, the fair's date does not.
    slots = grid(1, 8, minutes=30)  # 09:00-11:00 and 12:00-14:00 Shanghai, 15 June
    la = Person(
        "la",
        "c",
        "America/Los_Angeles",
        windows=NINE_TO_FIVE,  # never during the fair
        dates=((date(2026, 6, 14), ((time(18), time(20)),)),),
    )
    got = person_availability(la, slots).online
    assert [slots[i].start.astimezone(ZoneInfo("Asia/Shanghai")).hour for i in sorted(got)] == [
        9,
        9,
        10,
        10,
    ]
    assert person_availability(replace(la, dates=()), slots).online == frozenset()
    # Auckland is four hours ahead of Shanghai on the same date: away on the 15th = no slot
    nz = Person("nz", "c", "Pacific/Auckland", dates=((date(2026, 6, 15), ()),))
    assert person_availability(nz, slots).online == frozenset()
    nz_16 = replace(nz, dates=((date(2026, 6, 16), ()),))
    assert person_availability(nz_16, slots).online == frozenset(range(8))


def test_dates_validator_refuses_meeting_on_away_day() -> None:
    a = person("a", days=2)
    b = person("b", days=2, dates=((date(2026, 6, 15), ()),))
    p = fair([a, b], [request("r", "a", "b")], days=2)
    res = solve(p, Options(time_limit=5, workers=1, levels=1))
    assert [x.start for x in res.assignments] and all(x.start >= 4 for x in res.assignments)
    bad = Assignment("r", 0, 1, PlaceKind.ONLINE, "online-1")
    errors = validate(p, [bad])
    assert any("outside working hours" in e for e in errors)


def test_dates_edit_checker_names_the_hours_on_an_away_day() -> None:
    a = person("a", days=2)
    b = person("b", days=2, dates=((date(2026, 6, 15), ()),))
    p = fair([a, b], [request("r", "a", "b")], days=2)
    checker = Checker(Occupancy(p), "Asia/Shanghai")
    away = checker.check(p.requests[0], Target(0, PlaceKind.ONLINE, "online-1"))
    assert [r.code for r in away.reasons] == ["hours"]
    fine = checker.check(p.requests[0], Target(4, PlaceKind.ONLINE, "online-1"))
    assert fine.reasons == ()


def test_dates_reason_names_hours_when_away_on_every_day() -> None:
    a = person("a", days=1)
    b = person("b", days=1, dates=((date(2026, 6, 15), ()),))
    p = fair([a, b], [request("r", "a", "b")], days=1)
    res = solve(p, Options(time_limit=5, workers=1, levels=1))
    assert res.assignments == ()
    reason = explain(p, res.assignments)["r"]
    assert reason.code == "no_common_time"
    assert "1 dates apart" in reason.text


# --------------------------------------------------------------------------- properties

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland", "Asia/Kolkata")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def windows(draw: st.DrawFn) -> tuple[tuple[time, time], ...]:
    n = draw(st.integers(0, 3))
    out = []
    for _ in range(n):
        start = draw(st.integers(0, 47)) * 30
        end = draw(st.integers(0, 48)) * 30
        out.append(
            (
                time(start // 60, start % 60),
                time.max if end == 24 * 60 else time(end // 60 % 24, end % 60),
            )
        )
    return tuple(out)


@st.composite
def people(draw: st.DrawFn) -> Person:
    days = draw(st.lists(st.integers(-2, 4), unique=True, max_size=4))
    dates = tuple((date(2026, 10, 31) + timedelta(days=d), draw(windows())) for d in sorted(days))
    return Person("p", "c", draw(st.sampled_from(ZONES)), windows=draw(windows()), dates=dates)


@FAST
@given(
    who=people(),
    offset=st.integers(0, 4 * 24 * 4),
    length=st.sampled_from((15, 30, 60, 90, 240)),
)
def test_dates_availability_and_validator_agree(who: Person, offset: int, length: int) -> None:
    # around the European and American autumn DST switches (25 Oct, 1 Nov 2026)
    start = datetime(2026, 10, 31, tzinfo=UTC) + timedelta(minutes=15 * offset)
    slot = Slot(0, start, start + timedelta(minutes=length), 0, 0)
    assert inside_windows(who, slot) == _local_ok(who, slot)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), n=st.integers(1, 25), data=st.data())
def test_dates_every_method_output_passes_validator(seed: int, n: int, data: st.DataObject) -> None:
    base = make_fair(seed, companies=8, requests=n, days=2, slots_per_day=4, tables=2)
    first = base.slots[0].start.date()
    changed = {}
    for pid, p in base.people.items():
        picks = data.draw(st.lists(st.integers(-1, 2), unique=True, max_size=2), label=pid)
        dates = tuple((first + timedelta(days=d), data.draw(windows())) for d in sorted(picks))
        changed[pid] = replace(p, dates=dates)
    problem: Problem = replace(base, people=changed)
    for res in (
        fcfs(problem),
        greedy(problem),
        solve(problem, Options(time_limit=3, workers=1, levels=2)),
    ):
        assert validate(problem, res.assignments) == [], res.method
