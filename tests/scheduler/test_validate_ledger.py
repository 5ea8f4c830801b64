"""The incremental validator (`Ledger`) answers as the full `validate` on random edits."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.problem import Assignment, PlaceKind, Problem
from scheduler.validate import Ledger, validate
from tests.scheduler.factories import fair, make_fair, person, request

pytestmark = pytest.mark.unit


def random_assignment(p: Problem, data: st.DataObject, rid: str) -> Assignment:
    """Any assignment of `rid`, valid or not: slots off the grid, wrong places, seats."""
    kind = data.draw(st.sampled_from(list(PlaceKind)))
    places = {
        PlaceKind.BOOTH: [*p.booths, "nowhere"],
        PlaceKind.TABLE: [t for pool in p.table_pools.values() for t in pool.tables] + ["T?"],
        PlaceKind.ONLINE: ["online-0", "online-1", "online-2"],
    }[kind]
    seats = [None, *p.people][:6] + [s for pool in p.third_seats.values() for s in pool]
    return Assignment(
        rid,
        data.draw(st.integers(-1, len(p.slots))),
        data.draw(st.integers(1, 2)),
        kind,
        data.draw(st.sampled_from(places)),
        data.draw(st.sampled_from(seats)),
    )


def small(seed: int, caps: bool) -> Problem:
    p = make_fair(
        seed,
        companies=6,
        requests=14,
        days=2,
        slots_per_day=3,
        tables=2,
        third_share=0.3,
        long_share=0.3,
        online_capacity=1,
    )
    if caps:  # tight caps, so per-day and total caps are broken too
        p = replace(
            p,
            people={k: replace(v, max_per_day=1, max_total=2) for k, v in p.people.items()},
        )
    return p


def same(ledger: Ledger, p: Problem) -> None:
    assert Counter(ledger.errors()) == Counter(validate(p, ledger.schedule.values()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), caps=st.booleans(), data=st.data())
def test_ledger_equals_validate_on_random_edits(seed: int, caps: bool, data: st.DataObject) -> None:
    p = small(seed, caps)
    ids = [r.id for r in p.requests]
    locked = data.draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
    p = replace(
        p,
        requests=tuple(
            replace(r, lock=random_assignment(p, data, r.id)) if r.id in locked else r
            for r in p.requests
        ),
    )
    start = data.draw(st.lists(st.sampled_from([*ids, "ghost"]), unique=True))
    ledger = Ledger(p, [random_assignment(p, data, rid) for rid in start])
    same(ledger, p)
    for _ in range(data.draw(st.integers(1, 12))):
        rid = data.draw(st.sampled_from([*ids, "ghost"]))
        a = random_assignment(p, data, rid) if data.draw(st.booleans()) else None
        before = ledger.schedule.get(rid)
        assert ledger.set(rid, a) == before
        same(ledger, p)


def test_ledger_puts_an_edit_back() -> None:
    p = fair(
        [person("a"), person("b"), person("c")], [request("r1", "a", "b"), request("r2", "a", "c")]
    )
    one = Assignment("r1", 0, 1, PlaceKind.ONLINE, "online-0")
    ledger = Ledger(p, [one])
    before = ledger.set("r2", Assignment("r2", 0, 1, PlaceKind.ONLINE, "online-1"))
    assert ledger.errors() == ["a double-booked at slot 0: r1, r2"]
    ledger.set("r2", before)
    assert ledger.errors() == [] and ledger.schedule == {"r1": one}


def test_ledger_refuses_an_assignment_under_another_request() -> None:
    p = fair([person("a"), person("b")], [request("r1", "a", "b")])
    with pytest.raises(ValueError):
        Ledger(p).set("r2", Assignment("r1", 0, 1, PlaceKind.ONLINE, "online-0"))
