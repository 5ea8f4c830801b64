"""Reasons for left-out requests and what-if levers, on fairs where the answer is known."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from scheduler.baselines import greedy
from scheduler.problem import Booth, Mode, Options, TablePool
from scheduler.reasons import explain
from scheduler.solve import solve
from scheduler.whatif import what_if
from tests.scheduler.factories import fair, person, request

pytestmark = pytest.mark.unit


def only_reason(p, rid):  # type: ignore[no-untyped-def]
    res = solve(p, Options(time_limit=3, workers=1, levels=1))
    assert rid in res.unscheduled, res.assignments
    reason = res.unscheduled[rid]
    # The words and the template the pages translate say the same thing.
    assert reason.template and reason.text == reason.template % dict(reason.params)
    return reason


def test_reason_time_zones_do_not_overlap() -> None:
    berlin = person("berlin", "Europe/Berlin", onsite=False, windows=((time(9), time(12)),))
    p = fair([berlin, person("qd")], [request("r1", "berlin", "qd", mode=Mode.ONLINE)])
    reason = only_reason(p, "r1")
    assert reason.code == "no_common_time" and "time zones" in reason.text


def test_reason_onsite_days_do_not_match() -> None:
    a = replace(person("a", days=2), onsite_days=frozenset({0}))
    b = replace(person("b", days=2), onsite_days=frozenset({1}))
    p = fair(
        [a, b],
        [replace(request("r1", "a", "b", mode=Mode.IN_PERSON), booth="B")],
        days=2,
        booths={"B": Booth("B", "Korea")},
    )
    reason = only_reason(p, "r1")
    assert reason.code == "no_common_time" and "on-site days" in reason.text


def test_reason_busy_whenever_both_free() -> None:
    p0 = fair(
        [person("a"), person("b")], [request("r1", "a", "b", mode=Mode.ONLINE)], slots_per_day=2
    )
    busy = ((p0.slots[0].start, p0.slots[1].end),)
    p = replace(p0, people={**p0.people, "a": replace(p0.people["a"], busy=busy)})
    reason = only_reason(p, "r1")
    assert reason.code == "no_common_time" and "busy" in reason.text


def test_reason_fully_booked_with_higher_priority() -> None:
    people = [person("star"), person("a"), person("b")]
    reqs = [
        request("r1", "a", "star", mode=Mode.ONLINE, weight=5),
        request("r2", "b", "star", mode=Mode.ONLINE, weight=1),
    ]
    p = fair(people, reqs, slots_per_day=1)
    reason = only_reason(p, "r2")
    assert reason.code == "fully_booked" and "higher-priority" in reason.text


def test_reason_no_free_place_when_both_free() -> None:
    people = [person("a"), person("b"), person("c"), person("d")]
    reqs = [
        replace(request("r1", "a", "b", mode=Mode.IN_PERSON, weight=3), booth="B"),
        replace(request("r2", "c", "d", mode=Mode.IN_PERSON), booth="B"),
    ]
    p = fair(people, reqs, slots_per_day=1, booths={"B": Booth("B", "Korea")})
    assert only_reason(p, "r2").code == "no_place"


def test_reason_no_interpreter() -> None:
    people = [person("a"), person("b"), person("c"), person("d"), person("i1")]
    reqs = [
        replace(
            request("r1", "a", "b", mode=Mode.ONLINE, weight=3), third_seat="interpreter:ja-zh"
        ),
        replace(request("r2", "c", "d", mode=Mode.ONLINE), third_seat="interpreter:ja-zh"),
    ]
    p = fair(people, reqs, slots_per_day=1, third_seats={"interpreter:ja-zh": ("i1",)})
    assert only_reason(p, "r2").code == "no_third_seat"


def test_reason_cap_reached() -> None:
    a = replace(person("a"), max_per_day=1)
    p = fair(
        [a, person("b"), person("c")],
        [
            request("r1", "a", "b", mode=Mode.ONLINE, weight=2),
            request("r2", "a", "c", mode=Mode.ONLINE),
        ],
    )
    reason = only_reason(p, "r2")
    assert reason.code == "cap" and "cap of 1" in reason.text


def test_explain_covers_exactly_the_unscheduled() -> None:
    p = fair(
        [person("a"), person("b"), person("c")],
        [request("r1", "a", "b", mode=Mode.ONLINE), request("r2", "a", "c", mode=Mode.ONLINE)],
        slots_per_day=1,
    )
    res = greedy(p)
    assert set(explain(p, res.assignments)) == {"r2"} == set(res.unscheduled)


def korea_tables_fair():  # type: ignore[no-untyped-def]
    # three pairs can only meet in the morning block, in person, at the single Korea table
    people = []
    reqs = []
    for i in range(3):
        people += [person(f"x{i}"), person(f"y{i}")]
        reqs.append(
            replace(
                request(f"r{i}", f"x{i}", f"y{i}", mode=Mode.IN_PERSON), table_pools=("pool-Korea",)
            )
        )
    people = [replace(p, windows=((time(9), time(10)),)) for p in people]
    pool = TablePool("pool-Korea", "Korea", ("K1",))
    return fair(people, reqs, slots_per_day=4, table_pools={"pool-Korea": pool})


def test_what_if_two_more_tables_in_korea_pavilion() -> None:
    p = korea_tables_fair()
    res = solve(p, Options(time_limit=3, workers=1, levels=1))
    assert len(res.assignments) == 2  # 09:00 and 09:30 at the one table
    levers = what_if(p, res, zone="Asia/Shanghai")
    assert levers[0].kind == "tables" and levers[0].meetings == 1
    assert "Korea pavilion on day 1 09:00–10:00" in levers[0].text


def test_what_if_extra_hour_for_person() -> None:
    late = person("late", "Asia/Shanghai", onsite=False, windows=((time(12), time(20)),))
    p = fair(
        [late, person("b", windows=((time(8), time(12)),))],
        [request("r1", "late", "b", mode=Mode.ONLINE)],
    )
    res = solve(p, Options(time_limit=3, workers=1, levels=1))
    assert res.assignments == ()
    levers = what_if(p, res, zone="Asia/Shanghai")
    texts = [lv.text for lv in levers]
    assert any("one more hour of availability for late (earlier start" in t for t in texts)
    assert not any("for b (later end" in t for t in texts)  # the grid ends at 12:00
