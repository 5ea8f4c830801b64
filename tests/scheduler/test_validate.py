"""The validator catches each kind of violation on hand-made schedules."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from scheduler.problem import Assignment, Booth, Mode, PlaceKind, TablePool
from scheduler.validate import validate
from tests.scheduler.factories import fair, person, request

pytestmark = pytest.mark.unit

ON = PlaceKind.ONLINE


def base():  # type: ignore[no-untyped-def]
    people = [person("a"), person("b"), person("c"), person("i1"), person("r", onsite=False)]
    reqs = [
        replace(request("r1", "a", "b"), booth="B", table_pools=("P",)),
        request("r2", "a", "c"),
        replace(request("r3", "b", "c"), third_seat="interpreter:ko-zh"),
        replace(request("r4", "a", "r"), mode=Mode.IN_PERSON, booth="B"),
    ]
    return fair(
        people,
        reqs,
        booths={"B": Booth("B", "Korea")},
        table_pools={"P": TablePool("P", "Korea", ("T1",))},
        third_seats={"interpreter:ko-zh": ("i1",)},
    )


def test_validate_accepts_valid_schedule() -> None:
    a = [Assignment("r1", 0, 1, PlaceKind.TABLE, "T1"), Assignment("r2", 1, 1, ON, "online-1")]
    assert validate(base(), a) == []


@pytest.mark.parametrize(
    ("assignments", "needle"),
    [
        ([Assignment("r1", 0, 1, ON, "o"), Assignment("r2", 0, 1, ON, "p")], "double-booked"),
        ([Assignment("r1", 0, 1, ON, "o"), Assignment("r1", 1, 1, ON, "p")], "scheduled 2 times"),
        ([Assignment("r1", 0, 1, PlaceKind.BOOTH, "X")], "not the request's booth"),
        ([Assignment("r1", 0, 1, PlaceKind.TABLE, "T9")], "not in the request's pools"),
        ([Assignment("r4", 0, 1, PlaceKind.BOOTH, "B")], "not on site"),
        ([Assignment("r4", 0, 1, ON, "o")], "met online"),
        ([Assignment("r3", 0, 1, ON, "o")], "has none"),
        ([Assignment("r3", 0, 1, ON, "o", third_seat="a")], "not in pool"),
        ([Assignment("r2", 1, 2, ON, "o")], "length"),
        ([Assignment("r1", 0, 1, ON, "o"), Assignment("r2", 0, 1, ON, "o")], "online o holds 2"),
        ([Assignment("r9", 0, 1, ON, "o")], "no such request"),
        ([Assignment("r1", 9, 1, ON, "o")], "out of the grid"),
    ],
)
def test_validate_reports_violation(assignments: list[Assignment], needle: str) -> None:
    errors = validate(base(), assignments)
    assert any(needle in e for e in errors), errors


def test_validate_reports_table_over_capacity() -> None:
    p = base()
    p = replace(p, requests=(*p.requests, replace(request("r5", "c", "i1"), table_pools=("P",))))
    a = [
        Assignment("r1", 0, 1, PlaceKind.TABLE, "T1"),
        Assignment("r5", 0, 1, PlaceKind.TABLE, "T1"),
    ]
    assert any("table T1 holds 2" in e for e in validate(p, a))


def test_validate_reports_outside_local_hours_and_busy() -> None:
    p = base()
    late = replace(
        p.people["a"], windows=((time(10), time(12)),), busy=((p.slots[3].start, p.slots[3].end),)
    )
    p = replace(p, people={**p.people, "a": late})
    errors = validate(p, [Assignment("r2", 0, 1, ON, "o"), Assignment("r1", 3, 1, ON, "o2")])
    assert any("outside working hours" in e for e in errors)
    assert any("busy" in e for e in errors)


def test_validate_reports_caps_and_locks() -> None:
    p = base()
    capped = replace(p.people["a"], max_per_day=1, max_total=1)
    lock = Assignment("r2", 2, 1, ON, "o")
    reqs = tuple(replace(r, lock=lock) if r.id == "r2" else r for r in p.requests)
    p = replace(p, people={**p.people, "a": capped}, requests=reqs)
    errors = validate(p, [Assignment("r1", 0, 1, ON, "o"), Assignment("r2", 1, 1, ON, "o")])
    assert any("cap 1)" in e for e in errors)
    assert any("locked meeting moved" in e for e in errors)
    assert any("locked meeting dropped" in e for e in validate(p, []))


def test_validate_reports_multi_slot_across_break() -> None:
    p = base()
    p = replace(p, requests=(*p.requests, replace(request("r6", "b", "c"), length=2)))
    assert any("one block" in e for e in validate(p, [Assignment("r6", 1, 2, ON, "o")]))
