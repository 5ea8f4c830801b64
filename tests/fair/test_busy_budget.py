"""The budget of a busy-time upload (issue 17, item 5): every recurrence in a file — in
VEVENTs and VTIMEZONE observances, RRULE, RDATE, EXRULE — is paid for from one budget per
file, and the worker that reads it is stopped when it runs over its time. Each refusal
names the event (or time zone) at fault. Assertions are on the refusals; the budget
itself bounds the time."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fair import busy
from fair.busy import Budget, parse_busy, read_busy
from fair.errors import InvalidInput
from tests.fair.test_busy import OUTLOOK_TZ, WEEKLY_SEOUL, WINDOW, ics, spans

# Rules that pass every check made before expanding and then scan towards the year 9999
# without producing anything (about 5.5 s of CPU each on a 2026 machine, 16.5 s the
# three, read one after the other): only the time budget stops them.
ENDLESS = "\n".join(f"RRULE:FREQ=MINUTELY;BYYEARDAY=366;BYMONTH={month}" for month in (1, 2, 3))


def bomb(rule: str, uid: str = "bomb") -> str:
    return f"UID:{uid}\nSUMMARY:Bomb\nDTSTART:20261101T000000Z\nDURATION:PT1S\n{rule}"


def zone_with(rule: str, tzid: str = "Bomb Time") -> str:
    return (
        f"BEGIN:VTIMEZONE\nTZID:{tzid}\nBEGIN:STANDARD\nDTSTART:20200101T000000\n"
        f"TZOFFSETFROM:+0900\nTZOFFSETTO:+0800\n{rule}\nEND:STANDARD\nBEGIN:DAYLIGHT\n"
        "DTSTART:20200601T000000\nTZOFFSETFROM:+0800\nTZOFFSETTO:+0900\nRRULE:FREQ=YEARLY\n"
        "END:DAYLIGHT\nEND:VTIMEZONE\n"
    )


def in_zone(tzid: str = "Bomb Time") -> str:
    return (
        f"UID:zoned\nSUMMARY:Zoned\nDTSTART;TZID={tzid}:20261127T100000\n"
        f"DTEND;TZID={tzid}:20261127T110000"
    )


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as info:
        parse_busy(data, *WINDOW, "Asia/Seoul")
    return str(info.value)


# ---------------------------------------------------------------------------- before expanding


def test_zero_interval_is_refused_naming_the_event() -> None:
    message = refused(ics(bomb("RRULE:FREQ=DAILY;INTERVAL=0")))
    assert message == "event UID 'bomb' 'Bomb': its RRULE has INTERVAL=0 (it must be 1 or more)"


def test_day_no_month_has_is_refused_naming_the_event() -> None:
    message = refused(ics(bomb("RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30")))
    assert message.startswith("event UID 'bomb' 'Bomb': its RRULE asks for a day that no month")


def test_secondly_observance_in_a_vtimezone_is_refused_naming_the_zone() -> None:
    message = refused(ics(in_zone(), timezones=zone_with("RRULE:FREQ=SECONDLY")))
    assert message.startswith("time zone 'Bomb Time': its RRULE (about ")
    assert "goes past the budget of 200,000 repetitions for one file" in message


def test_zero_interval_observance_and_exrule_are_refused() -> None:
    assert "INTERVAL=0" in refused(
        ics(in_zone(), timezones=zone_with("RRULE:FREQ=YEARLY;INTERVAL=0"))
    )
    message = refused(ics(bomb("RRULE:FREQ=DAILY\nEXRULE:FREQ=SECONDLY")))
    assert message.startswith("event UID 'bomb' 'Bomb': its EXRULE (about ")


def test_budget_is_per_file_not_per_event() -> None:
    # Each rule takes about 42,000 steps from 1 November to the fair's end (fine alone);
    # five of them go past the file's 200,000.
    events = [bomb("RRULE:FREQ=MINUTELY;BYHOUR=3;BYMINUTE=0", f"m{n}") for n in range(5)]
    assert len(parse_busy(ics(*events[:4]), *WINDOW, "Asia/Seoul")) == 16
    message = refused(ics(*events))
    assert message.startswith("event UID 'm4' 'Bomb': its RRULE (about 41,760 steps")


def test_rdates_count_against_the_budget() -> None:
    # Three rules take about 125,000 steps; 1,344 listed dates an event fill the rest of
    # the file's 200,000 by the 56th event.
    rules = [bomb("RRULE:FREQ=MINUTELY;BYHOUR=3;BYMINUTE=0", f"m{n}") for n in range(3)]
    dates = ",".join(
        f"2026{m:02}{d:02}T{h:02}0000Z" for m in (1, 2) for d in range(1, 29) for h in range(24)
    )
    listed = [bomb(f"RDATE:{dates}", f"r{n}") for n in range(60)]
    assert len(parse_busy(ics(*rules, *listed[:55]), *WINDOW, "Asia/Seoul")) == 12
    message = refused(ics(*rules, *listed))
    assert message.startswith("event UID 'r55' 'Bomb': its 1,344 RDATE and EXDATE values goes past")


def test_exrule_removes_its_occurrences() -> None:
    # Daily at 10:00 Seoul, except Saturdays: the window holds Thu 26 – Sun 29 Nov.
    event = (
        WEEKLY_SEOUL.replace("FREQ=WEEKLY;BYDAY=FR", "FREQ=DAILY") + "EXRULE:FREQ=WEEKLY;BYDAY=SA"
    )
    found = parse_busy(ics(event), *WINDOW, "Asia/Seoul")
    assert spans(found) == [
        ("2026-11-26T01:00:00+00:00", "2026-11-26T02:00:00+00:00"),
        ("2026-11-27T01:00:00+00:00", "2026-11-27T02:00:00+00:00"),
        ("2026-11-29T01:00:00+00:00", "2026-11-29T02:00:00+00:00"),
    ]


# ---------------------------------------------------------------------------- the worker


async def test_worker_reads_a_good_file_like_the_parser() -> None:
    data = ics(
        WEEKLY_SEOUL,
        "UID:a\nDTSTART;TZID=Korea Standard Time:20261127T090000\n"
        "DTEND;TZID=Korea Standard Time:20261127T093000",
        timezones=OUTLOOK_TZ,
    )
    assert await read_busy(data, *WINDOW, "Asia/Seoul") == parse_busy(data, *WINDOW, "Asia/Seoul")


async def test_worker_stops_an_endless_rule_at_the_time_budget_naming_it() -> None:
    data = ics(WEEKLY_SEOUL, bomb(ENDLESS))
    with pytest.raises(InvalidInput) as info:
        await read_busy(data, *WINDOW, "Asia/Seoul", Budget(seconds=1))
    assert str(info.value).startswith(
        "event UID 'bomb' 'Bomb': reading it takes longer than the budget of 1 s for one file"
    )


async def test_worker_out_of_memory_is_refused() -> None:
    # About 1.5 MiB of events: far more than 16 MiB once parsed.
    events = [
        f"UID:e{n}\nSUMMARY:{'x' * 200}\nDTSTART:20261127T0{n % 10}0000Z" for n in range(6000)
    ]
    with pytest.raises(InvalidInput) as info:
        await read_busy(ics(*events), *WINDOW, "Asia/Seoul", Budget(memory=16 * 1024 * 1024))
    assert "needs more than 16 MiB" in str(info.value)


async def test_stop_workers_ends_a_reading_at_once() -> None:
    task = asyncio.create_task(
        read_busy(ics(bomb(ENDLESS)), *WINDOW, "Asia/Seoul", Budget(seconds=300))
    )
    while not busy._workers:
        await asyncio.sleep(0.01)
    busy.stop_workers()
    with pytest.raises(InvalidInput) as info:
        await task
    assert "or the server is stopping" in str(info.value)


HOSTILE_RULES = [
    "RRULE:FREQ=DAILY;INTERVAL=0",
    "RRULE:FREQ=SECONDLY;INTERVAL=0",
    "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
    "RRULE:FREQ=YEARLY;BYMONTH=4,6,9,11;BYMONTHDAY=31",
    "RRULE:FREQ=SECONDLY",
    "RRULE:FREQ=SECONDLY;BYSECOND=0,1,2,3,4,5,6,7,8,9",
    ENDLESS,
    "EXRULE:FREQ=SECONDLY",
    "EXRULE:FREQ=HOURLY;INTERVAL=0",
]
HOSTILE_OBSERVANCES = [
    "RRULE:FREQ=SECONDLY",
    "RRULE:FREQ=MINUTELY",
    "RRULE:FREQ=HOURLY;BYMINUTE=0,30",
    "RRULE:FREQ=YEARLY;INTERVAL=0",
    "RRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31",
]


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A file with harmless events and one hostile rule; returns it and the label the
    refusal must name."""
    good = draw(st.lists(st.sampled_from([WEEKLY_SEOUL, in_zone("Asia/Tokyo")]), max_size=3))
    good = [g.replace("UID:", f"UID:g{n}-", 1) for n, g in enumerate(good)]
    if draw(st.booleans()):
        rule = draw(st.sampled_from(HOSTILE_RULES))
        if rule.startswith("EXRULE"):
            rule = "RRULE:FREQ=DAILY\n" + rule
        events = [*good, bomb(rule)]
        return ics(*draw(st.permutations(events))), "event UID 'bomb' 'Bomb'"
    rule = draw(st.sampled_from(HOSTILE_OBSERVANCES))
    return ics(*good, in_zone(), timezones=zone_with(rule)), "time zone 'Bomb Time'"


@settings(
    max_examples=14,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(hostile_files())
def test_fuzz_hostile_rules_end_within_the_budget_refused_naming_the_event(
    case: tuple[bytes, str],
) -> None:
    data, label = case
    with pytest.raises(InvalidInput) as info:
        asyncio.run(read_busy(data, *WINDOW, "Asia/Seoul", Budget(seconds=1.5)))
    assert str(info.value).startswith(label + ": "), str(info.value)
