"""Each hard constraint: a fair where it holds, and one where it cannot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from scheduler.baselines import fcfs, greedy
from scheduler.problem import (
    Assignment,
    Booth,
    Mode,
    Options,
    PlaceKind,
    Problem,
    Result,
    Status,
    TablePool,
)
from scheduler.solve import solve
from scheduler.validate import validate
from tests.scheduler.factories import fair, person, request

pytestmark = pytest.mark.unit

Method = Callable[[Problem], Result]


def ours(p: Problem) -> Result:
    return solve(p, Options(time_limit=5, workers=1, levels=4))


METHODS = [
    pytest.param(ours, id="solve"),
    pytest.param(greedy, id="greedy"),
    pytest.param(fcfs, id="fcfs"),
]


def run(method: Method, p: Problem) -> dict[str, Assignment]:
    res = method(p)
    assert validate(p, res.assignments) == []
    return {a.request: a for a in res.assignments}


@pytest.mark.parametrize("method", METHODS)
def test_person_double_booking_holds_when_slots_allow(method: Method) -> None:
    p = fair(
        [person("a"), person("b"), person("c")],
        [request("r1", "a", "b", mode=Mode.ONLINE), request("r2", "a", "c", mode=Mode.ONLINE)],
        slots_per_day=2,
    )
    got = run(method, p)
    assert len(got) == 2 and got["r1"].start != got["r2"].start


@pytest.mark.parametrize("method", METHODS)
def test_person_double_booking_cannot_with_one_slot(method: Method) -> None:
    p = fair(
        [person("a"), person("b"), person("c")],
        [
            request("r1", "a", "b", mode=Mode.ONLINE, weight=2),
            request("r2", "a", "c", mode=Mode.ONLINE),
        ],
        slots_per_day=1,
    )
    got = run(method, p)
    assert len(got) == 1


def booth_fair(tables: int) -> Problem:
    people = [person("ex"), person("ex2"), person("b1"), person("b2")]
    reqs = [
        replace(request("r1", "b1", "ex", mode=Mode.IN_PERSON), booth="B"),
        replace(request("r2", "b2", "ex2", mode=Mode.IN_PERSON), booth="B"),
    ]
    return fair(people, reqs, slots_per_day=1, booths={"B": Booth("B", "Korea", tables=tables)})


@pytest.mark.parametrize("method", METHODS)
def test_booth_capacity_holds_with_two_tables(method: Method) -> None:
    assert len(run(method, booth_fair(2))) == 2


@pytest.mark.parametrize("method", METHODS)
def test_booth_capacity_cannot_exceed_one_table(method: Method) -> None:
    assert len(run(method, booth_fair(1))) == 1


def pool_fair(tables: int, n: int = 3) -> Problem:
    people = [person(f"x{i}") for i in range(n)] + [person(f"y{i}") for i in range(n)]
    pool = TablePool("P", "Korea", tuple(f"T{k}" for k in range(tables)))
    reqs = [
        replace(request(f"r{i}", f"x{i}", f"y{i}", mode=Mode.IN_PERSON), table_pools=("P",))
        for i in range(n)
    ]
    return fair(people, reqs, slots_per_day=1, table_pools={"P": pool})


@pytest.mark.parametrize("method", METHODS)
def test_table_pool_holds_and_numbers_distinct_tables(method: Method) -> None:
    got = run(method, pool_fair(3))
    assert sorted(a.place_id for a in got.values()) == ["T0", "T1", "T2"]


@pytest.mark.parametrize("method", METHODS)
def test_table_pool_cannot_exceed_its_tables(method: Method) -> None:
    assert len(run(method, pool_fair(2))) == 2


@pytest.mark.parametrize("method", METHODS)
def test_online_rooms_cannot_exceed_capacity(method: Method) -> None:
    p = pool_fair(0)
    p = replace(
        p, requests=tuple(replace(r, mode=Mode.ONLINE) for r in p.requests), online_capacity=2
    )
    got = run(method, p)
    assert len(got) == 2 and {a.place_id for a in got.values()} == {"online-1", "online-2"}


@pytest.mark.parametrize("method", METHODS)
def test_in_person_needs_both_on_site(method: Method) -> None:
    people = [person("a"), person("b", onsite=False), person("c")]
    reqs = [
        replace(request("r1", "a", "b", mode=Mode.IN_PERSON), booth="B"),
        replace(request("r2", "a", "c", mode=Mode.IN_PERSON), booth="B"),
    ]
    p = fair(people, reqs, slots_per_day=2, booths={"B": Booth("B", "Korea")})
    assert set(run(method, p)) == {"r2"}


@pytest.mark.parametrize("method", METHODS)
def test_either_mode_goes_online_when_one_side_is_remote(method: Method) -> None:
    people = [person("a"), person("b", onsite=False)]
    p = fair(
        people, [replace(request("r1", "a", "b"), booth="B")], booths={"B": Booth("B", "Korea")}
    )
    assert run(method, p)["r1"].kind is PlaceKind.ONLINE


@pytest.mark.parametrize("method", METHODS)
def test_multi_slot_meeting_stays_in_one_block(method: Method) -> None:
    # 4 slots = two blocks of two; a 3-slot meeting cannot fit, a 2-slot one can
    p = fair(
        [person("a"), person("b")],
        [
            request("r1", "a", "b", length=3, mode=Mode.ONLINE),
            request("r2", "a", "b", length=2, mode=Mode.ONLINE),
        ],
    )
    got = run(method, p)
    assert set(got) == {"r2"} and got["r2"].start in (0, 2)


@pytest.mark.parametrize("method", METHODS)
def test_third_seat_interpreter_holds_and_is_exclusive(method: Method) -> None:
    people = [person("a"), person("b"), person("c"), person("d"), person("i1")]
    reqs = [
        replace(request("r1", "a", "b", mode=Mode.ONLINE), third_seat="interpreter:ko-zh"),
        replace(request("r2", "c", "d", mode=Mode.ONLINE), third_seat="interpreter:ko-zh"),
    ]
    p = fair(people, reqs, slots_per_day=1, third_seats={"interpreter:ko-zh": ("i1",)})
    got = run(method, p)
    assert len(got) == 1 and next(iter(got.values())).third_seat == "i1"


@pytest.mark.parametrize("method", METHODS)
def test_third_seat_cannot_without_available_interpreter(method: Method) -> None:
    people = [person("a"), person("b"), person("i1", days=1, onsite=False)]
    i1 = replace(people[2], days=frozenset({1}))
    reqs = [replace(request("r1", "a", "b", mode=Mode.ONLINE), third_seat="interpreter:ko-zh")]
    p = fair([*people[:2], i1], reqs, days=2, third_seats={"interpreter:ko-zh": ("i1",)})
    got = run(method, p)
    assert got["r1"].third_seat == "i1" and p.slots[got["r1"].start].day == 1


@pytest.mark.parametrize("method", METHODS)
def test_cap_per_day_holds(method: Method) -> None:
    a = replace(person("a"), max_per_day=2)
    p = fair(
        [a, person("b"), person("c"), person("d")],
        [request(f"r{x}", "a", x, mode=Mode.ONLINE) for x in "bcd"],
    )
    assert len(run(method, p)) == 2


@pytest.mark.parametrize("method", METHODS)
def test_cap_total_holds_across_days(method: Method) -> None:
    a = replace(person("a"), max_total=1)
    p = fair(
        [a, person("b"), person("c")],
        [request(f"r{x}", "a", x, mode=Mode.ONLINE) for x in "bc"],
        days=2,
    )
    assert len(run(method, p)) == 1


@pytest.mark.parametrize("method", METHODS)
def test_lock_is_kept_exactly(method: Method) -> None:
    lock = Assignment("r1", 3, 1, PlaceKind.ONLINE, "online-7")
    p = fair(
        [person("a"), person("b")], [replace(request("r1", "a", "b", mode=Mode.ONLINE), lock=lock)]
    )
    assert run(method, p)["r1"] == lock


def test_locks_that_collide_are_infeasible() -> None:
    l1 = Assignment("r1", 0, 1, PlaceKind.ONLINE, "online-1")
    l2 = Assignment("r2", 0, 1, PlaceKind.ONLINE, "online-2")
    p = fair(
        [person("a"), person("b"), person("c")],
        [replace(request("r1", "a", "b"), lock=l1), replace(request("r2", "a", "c"), lock=l2)],
    )
    res = solve(p, Options(time_limit=2, workers=1))
    assert res.status is Status.INFEASIBLE


def test_gap_fill_keeps_previous_and_places_new() -> None:
    prev = {"r1": Assignment("r1", 2, 1, PlaceKind.ONLINE, "online-1")}
    p = fair(
        [person("a"), person("b"), person("c")],
        [
            request("r1", "a", "b", mode=Mode.ONLINE),
            request("r2", "a", "c", mode=Mode.ONLINE, weight=5),
        ],
        slots_per_day=4,
        previous=prev,
    )
    res = solve(p, Options(time_limit=2, workers=1, gap_fill=True))
    got = {a.request: a for a in res.assignments}
    assert got["r1"] == prev["r1"] and "r2" in got and validate(p, res.assignments) == []


def test_gap_fill_replaces_meeting_whose_table_is_gone() -> None:
    prev = {"r1": Assignment("r1", 0, 1, PlaceKind.TABLE, "GONE-1")}
    p = fair(
        [person("a"), person("b")],
        [replace(request("r1", "a", "b", mode=Mode.IN_PERSON), table_pools=("P",))],
        table_pools={"P": TablePool("P", "Korea", ("T1",))},
        previous=prev,
    )
    res = solve(p, Options(time_limit=2, workers=1, gap_fill=True))
    assert validate(p, res.assignments) == []
    assert [a.place_id for a in res.assignments] == ["T1"]


def test_lock_at_missing_table_is_kept_and_flagged_by_validator() -> None:
    lock = Assignment("r1", 0, 1, PlaceKind.TABLE, "GONE-1")
    p = fair(
        [person("a"), person("b"), person("c")],
        [
            replace(request("r1", "a", "b", mode=Mode.IN_PERSON), table_pools=("P",), lock=lock),
            replace(request("r2", "a", "c", mode=Mode.IN_PERSON), table_pools=("P",)),
        ],
        table_pools={"P": TablePool("P", "Korea", ("T1",))},
    )
    res = solve(p, Options(time_limit=2, workers=1))
    got = {a.request: a for a in res.assignments}
    assert got["r1"] == lock and got["r2"].start != 0
    assert any("not in the request's pools" in e for e in validate(p, res.assignments))
