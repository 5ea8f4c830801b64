"""Properties over random small fairs: every schedule is valid; tiny optima match brute force."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.baselines import fcfs, greedy
from scheduler.problem import Assignment, Mode, Options, PlaceKind, Problem, Status
from scheduler.solve import solve, weight_of
from scheduler.validate import validate
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_fair(seed: int, requests: int) -> Problem:
    return make_fair(
        seed,
        companies=8,
        requests=requests,
        days=1,
        slots_per_day=4,
        tables=2,
        third_share=0.2,
        long_share=0.3,
    )


@FAST
@given(seed=st.integers(0, 100_000), n=st.integers(1, 30))
def test_every_method_output_passes_validator(seed: int, n: int) -> None:
    p = random_fair(seed, n)
    for res in (fcfs(p), greedy(p), solve(p, Options(time_limit=3, workers=1, levels=3))):
        assert validate(p, res.assignments) == [], res.method
        assert set(res.unscheduled) == {r.id for r in p.requests} - {
            a.request for a in res.assignments
        }


def options(p: Problem, req_index: int) -> list[Assignment]:
    """Every concrete way (slot, place, third seat) to meet a request, unfiltered."""
    r = p.requests[req_index]
    places: list[tuple[PlaceKind, str]] = []
    if r.mode is not Mode.ONLINE:
        if r.booth in p.booths:
            places.append((PlaceKind.BOOTH, r.booth or ""))
        places += [
            (PlaceKind.TABLE, t)
            for pool in r.table_pools
            if pool in p.table_pools
            for t in p.table_pools[pool].tables
        ]
    if r.mode is not Mode.IN_PERSON:
        places += [(PlaceKind.ONLINE, f"online-{k}") for k in range(len(p.requests))]
    thirds: list[str | None] = list(p.third_seats.get(r.third_seat, ())) if r.third_seat else [None]
    return [
        Assignment(r.id, s, r.length, kind, place, third)
        for s in range(len(p.slots) - r.length + 1)
        for kind, place in places
        for third in thirds
    ]


def brute_force(p: Problem) -> int:
    """Best total weight by exhaustive search, pruned only by the validator itself."""
    opts = [options(p, i) for i in range(len(p.requests))]
    weights = [r.weight for r in p.requests]
    best = 0

    def dfs(i: int, chosen: list[Assignment], w: int) -> None:
        nonlocal best
        if w + sum(weights[i:]) <= best:
            return
        if i == len(opts):
            best = w
            return
        for a in opts[i]:
            if not validate(p, [*chosen, a]):
                dfs(i + 1, [*chosen, a], w + weights[i])
        dfs(i + 1, chosen, w)

    dfs(0, [], 0)
    return best


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), n=st.integers(1, 5))
def test_solve_level1_equals_brute_force_on_tiny_fairs(seed: int, n: int) -> None:
    p = make_fair(
        seed,
        companies=5,
        requests=n,
        days=1,
        slots_per_day=2,
        tables=1,
        third_share=0.3,
        long_share=0.3,
    )
    res = solve(p, Options(time_limit=3, workers=1, levels=1))
    assert res.levels[0].status is Status.OPTIMAL
    assert weight_of(p, res.assignments) == brute_force(p)
