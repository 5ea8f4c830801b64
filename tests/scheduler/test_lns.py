"""Large-neighbourhood search on level 1 (scheduler/lns.py) and PDLP from a warm start
(scheduler/lp.py): schedules stay valid and never get worse; bounds stay bounds."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.baselines import construct, greedy_order
from scheduler.candidates import build_catalog
from scheduler.lns import Search
from scheduler.lp import Warm, solve_lp, solve_pdlp
from scheduler.model import HardModel, decode, encode, hard_model
from scheduler.pricing import full_space, initial_selection
from scheduler.problem import Problem
from scheduler.tables import number_places
from scheduler.validate import validate
from tests.scheduler.factories import make_fair
from tests.scheduler.test_properties import brute_force

pytestmark = pytest.mark.unit


def schedule_of(hm: HardModel, ones: list[int]) -> list:  # type: ignore[type-arg]
    cat = hm.vars.catalog
    chosen = [(cat.candidates[i], t) for i, t in decode(hm.vars, ones)]
    return number_places(cat, chosen)


def weight(hm: HardModel, ones: list[int]) -> int:
    return sum(hm.vars.weight(j) for j in ones)


def crowded_fair(seed: int, requests: int) -> Problem:
    """Over-subscribed, with third seats, two-slot meetings, booths, pools and caps."""
    return make_fair(
        seed,
        companies=12,
        requests=requests,
        days=1,
        slots_per_day=6,
        tables=2,
        third_share=0.2,
        long_share=0.3,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), n=st.integers(1, 60), size=st.integers(1, 40))
def test_lns_keeps_every_schedule_valid_and_never_loses_weight(
    seed: int, n: int, size: int
) -> None:
    p = crowded_fair(seed, n)
    hm = hard_model(build_catalog(p))
    v = hm.vars
    start = encode(v, construct(v.catalog, list(reversed(greedy_order(p)))))
    search = Search(hm, start, {j: float(v.weight(j)) for j in range(v.n_cand)}, seed=seed)
    before = weight(hm, start)
    rids = [r.id for r in p.requests]
    for k in range(4):
        search.step(set(rids[k * size : (k + 1) * size] or rids[:size]), 2.0)
        ones = search.ones()
        assert validate(p, schedule_of(hm, ones)) == []
        assert weight(hm, ones) >= before
        before = weight(hm, ones)
    # the row use it keeps up to date is the schedule's own
    fresh = Search(hm, search.ones(), search.objective)
    assert fresh.use == pytest.approx(search.use)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), n=st.integers(1, 5))
def test_lns_freeing_every_request_reaches_the_brute_force_optimum(seed: int, n: int) -> None:
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
    hm = hard_model(build_catalog(p))
    v = hm.vars
    search = Search(hm, [], {j: float(v.weight(j)) for j in range(v.n_cand)})
    search.step({r.id for r in p.requests}, 5.0)
    assert validate(p, schedule_of(hm, search.ones())) == []
    assert weight(hm, search.ones()) == brute_force(p)


def test_lns_run_closes_most_of_the_gap_from_a_poor_start_guided_by_the_lp() -> None:
    p = make_fair(3, companies=50, requests=400, days=2, slots_per_day=8, tables=6)
    hm = hard_model(build_catalog(p))
    v = hm.vars
    lp = solve_lp(hm, 30)
    assert lp is not None and lp.optimal
    # a poor start: greedy in the wrong order (lightest first)
    start = encode(v, construct(v.catalog, list(reversed(greedy_order(p)))))
    search = Search(hm, start, {j: float(v.weight(j)) for j in range(v.n_cand)}, lp.values, 1)
    assert search.lost(), "the start leaves out requests the LP schedules"
    seen: list[int] = []
    ones = search.run(
        time.perf_counter() + 10, step_s=2.0, improved=lambda got: seen.append(weight(hm, got))
    )
    assert validate(p, schedule_of(hm, ones)) == []
    # every improving step is reported, each heavier than the last
    assert seen and seen == sorted(set(seen)) and seen[-1] == weight(hm, ones)
    assert len(seen) == search.stats.improved
    gap_before = lp.bound - weight(hm, start)
    gap_after = lp.bound - weight(hm, ones)
    assert gap_after >= -1e-6  # the LP bound still holds
    assert gap_after <= 0.5 * gap_before
    assert search.stats.improved >= 1


def test_lns_never_frees_a_locked_meeting() -> None:
    p = make_fair(5, companies=20, requests=80, days=1, slots_per_day=6, tables=2)
    cat = build_catalog(p)
    hm = hard_model(cat)
    v = hm.vars
    start = encode(v, construct(cat, greedy_order(p)))
    rid = cat.candidates[start[0]].request
    cat.forced[rid] = start[0]  # as a lock would
    search = Search(hm, start, {j: float(v.weight(j)) for j in range(v.n_cand)})
    search.step({r.id for r in p.requests}, 2.0)
    assert start[0] in search.ones()


def mixed_fair(seed: int) -> Problem:
    return make_fair(seed, companies=50, requests=260, days=2, slots_per_day=8, tables=6)


@pytest.mark.parametrize("seed", [1, 2])
def test_pdlp_bound_holds_cold_and_warm_and_a_warm_start_from_a_smaller_model(
    seed: int,
) -> None:
    p = mixed_fair(seed)
    full = hard_model(build_catalog(p))
    exact = solve_lp(full, 30)
    assert exact is not None and exact.optimal
    cold = solve_pdlp(full, 30)
    assert cold is not None
    assert cold.bound >= exact.objective - 1e-6
    assert cold.objective == pytest.approx(exact.objective, rel=1e-3)
    # column generation's case: the last round's solution on fewer columns and rows
    space = full_space(p)
    part = hard_model(build_catalog(p, select=initial_selection(space, 2), avail=space.avail))
    first = solve_pdlp(part, 30)
    assert first is not None
    warm = solve_pdlp(full, 30, Warm.of(part, first))
    assert warm is not None
    assert warm.bound >= exact.objective - 1e-6
    assert warm.objective == pytest.approx(exact.objective, rel=1e-3)
    # from its own optimum PDLP stops at once, with the same answer
    again = solve_pdlp(full, 30, Warm.of(full, cold))
    assert again is not None and again.optimal
    assert again.bound >= exact.objective - 1e-6
    assert again.iterations < 0.1 * cold.iterations


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lns_finds_every_row_of_every_variable_by_key(seed: int) -> None:
    p = make_fair(
        seed,
        companies=30,
        requests=200,
        days=2,
        slots_per_day=6,
        tables=2,
        third_share=0.3,
        long_share=0.3,
        online_capacity=3,
    )
    hm = hard_model(build_catalog(p))
    scanned: dict[int, set[tuple[int, float]]] = {j: set() for j in range(hm.vars.size)}
    for r, row in enumerate(hm.rows):
        coefs = row.coefs or [1.0] * len(row.vars)
        for j, a in zip(row.vars, coefs, strict=True):
            scanned[j].add((r, a))
    kinds = {row.key[0] for row in hm.rows}
    assert {"req", "person", "place", "day-cap", "third"} <= kinds
    search = Search(hm, [], {})
    for j in range(hm.vars.size):
        assert set(search.rows_of(j)) == scanned[j], j
