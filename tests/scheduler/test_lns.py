"""Large-neighbourhood search on level 1 (scheduler/lns.py) and PDLP from a warm start
(scheduler/lp.py): schedules stay valid and never get worse; bounds stay bounds."""

from __future__ import annotations

import random
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.linear_solver import linear_solver_pb2 as pb  # type: ignore[attr-defined]

from scheduler.baselines import construct, greedy_order
from scheduler.candidates import build_catalog
from scheduler.lns import Search, Sub
from scheduler.lp import (
    LpResult,
    Warm,
    solve_lp,
    solve_pdlp,
    solve_restricted_mip,
    solve_scip,
)
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


def valid_and_no_lighter(p: Problem, hm: HardModel, search: Search, before: int) -> int:
    """Assert the search's schedule is valid and weighs at least `before`; its weight."""
    ones = search.ones()
    assert validate(p, schedule_of(hm, ones)) == []
    assert weight(hm, ones) >= before
    return weight(hm, ones)


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
        before = valid_and_no_lighter(p, hm, search, before)
    # the row use it keeps up to date is the schedule's own
    assert Search(hm, search.ones(), search.objective).use == pytest.approx(search.use)


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


def poor_start() -> tuple[Problem, HardModel, LpResult, list[int], Search]:
    """A 400-request fair, its LP, a poor start (greedy in the wrong order: lightest
    first) and a search from it guided by the LP."""
    p = make_fair(3, companies=50, requests=400, days=2, slots_per_day=8, tables=6)
    hm = hard_model(build_catalog(p))
    v = hm.vars
    lp = solve_lp(hm, 30)
    assert lp is not None and lp.optimal
    start = encode(v, construct(v.catalog, list(reversed(greedy_order(p)))))
    search = Search(hm, start, {j: float(v.weight(j)) for j in range(v.n_cand)}, lp.values, 1)
    return p, hm, lp, start, search


def test_lns_run_closes_most_of_the_gap_from_a_poor_start_guided_by_the_lp() -> None:
    p, hm, lp, start, search = poor_start()
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
    # ...and from its own `LpResult`, taken as it is (no lookup by identity)
    same = solve_pdlp(full, 30, cold)
    assert same is not None and same.optimal
    assert same.bound >= exact.objective - 1e-6
    assert same.iterations < 0.1 * cold.iterations
    # a point for another objective: no bound computed
    point = solve_pdlp(
        full,
        30,
        cold,
        weights=[full.vars.weight(j) + 0.1 for j in range(full.vars.size)],
        bound=False,
    )
    assert point is not None and point.bound == float("inf") and point.reduced == []
    assert len(point.values) == full.vars.size


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


@pytest.mark.parametrize("seed", [1, 2])
def test_quick_scip_is_valid_and_within_its_gap_of_the_restricted_optimum(seed: int) -> None:
    """`solve_restricted_mip(quick=True)` (`lp.SCIP_QUICK`: SCIP would refuse settings it
    does not know and answer nothing) keeps the hint's weight at least and stops within
    0.01% of its own bound, so within 0.01% of the exact restricted optimum."""
    p = crowded_fair(seed, 300)
    hm = hard_model(build_catalog(p))
    v = hm.vars
    objective = {j: float(v.weight(j)) for j in range(v.n_cand)}
    start = encode(v, construct(v.catalog, greedy_order(p)))
    keep = set(range(v.size))
    exact = solve_restricted_mip(hm, keep, objective, start, 30)
    quick = solve_restricted_mip(hm, keep, objective, start, 30, quick=True)
    assert exact is not None and exact.optimal
    assert quick is not None
    assert validate(p, schedule_of(hm, quick.ones)) == []
    assert weight(hm, quick.ones) >= weight(hm, start)
    assert quick.objective >= exact.objective * (1 - 1e-4) - 1e-6
    assert weight(hm, quick.ones) == pytest.approx(quick.objective)


def test_solve_scip_lets_other_python_threads_run_while_it_solves() -> None:
    """`lp.solve_scip` releases Python's lock: a second thread keeps running Python while
    SCIP works (with `Solver.SolveWithProto` it stood still), which is what lets the
    search run one step per core. The model is a small market-split problem, which
    SCIP cannot finish in its one second."""
    rng = random.Random(7)
    model = pb.MPModelProto(maximize=False)
    for _ in range(40):
        model.variable.add(lower_bound=0, upper_bound=1, is_integer=True)
    for _ in range(5):
        coefs = [rng.randrange(100) for _ in range(40)]
        ct = model.constraint.add(lower_bound=sum(coefs) // 2, upper_bound=sum(coefs) // 2)
        ct.var_index.extend(range(40))
        ct.coefficient.extend(coefs)
    done: list[float] = []
    thread = threading.Thread(target=lambda: done.append(solve_scip(model, 1.0).status))
    stall = 0.0  # the longest this thread went without running a line
    began = last = time.perf_counter()
    thread.start()
    while thread.is_alive():
        now = time.perf_counter()
        stall, last = max(stall, now - last), now
    took = time.perf_counter() - began
    assert done and took >= 0.9  # SCIP ran to its limit
    assert stall < 0.5  # ...and this thread ran Python all along (held: the whole second)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), n=st.integers(2, 60), split=st.integers(0, 1_000))
def test_two_steps_built_on_the_same_schedule_never_break_it(seed: int, n: int, split: int) -> None:
    """Two steps prepared on the same schedule (as two workers do), on disjoint requests
    that may share people, places and caps, then taken one after the other: the second is
    taken only if every row it touches still holds, so the schedule stays valid and
    never loses weight, and the rows' use stays the schedule's own."""
    p = crowded_fair(seed, n)
    hm = hard_model(build_catalog(p))
    v = hm.vars
    start = encode(v, construct(v.catalog, list(reversed(greedy_order(p)))))
    search = Search(hm, start, {j: float(v.weight(j)) for j in range(v.n_cand)}, seed=seed)
    rids = [r.id for r in p.requests]
    random.Random(seed).shuffle(rids)
    cut = 1 + split % (len(rids) - 1)
    subs = [search.prepare(set(rids[:cut])), search.prepare(set(rids[cut:]))]
    answers = [sub.solve(2.0) if sub is not None else None for sub in subs]
    before = weight(hm, start)
    for sub, resp in zip(subs, answers, strict=True):
        if sub is not None:
            search.commit(sub, resp)
        before = valid_and_no_lighter(p, hm, search, before)
    assert Search(hm, search.ones(), search.objective).use == pytest.approx(search.use)


def test_lns_run_with_two_workers_solves_two_steps_at_once_and_stays_valid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p, hm, lp, start, search = poor_start()
    v = hm.vars
    flight = {"now": 0, "most": 0}
    lock = threading.Lock()
    both = threading.Event()  # the first step waits (up to 5 s) for a second one
    real = Sub.solve

    requests = v.catalog.requests
    in_flight: dict[int, set[str]] = {}  # people of each step in SCIP
    shared: list[set[str]] = []

    def solve(self: Sub, time_limit: float) -> object:
        mine = {pid for rid in self.free for pid in requests[rid].people}
        with lock:
            flight["now"] += 1
            flight["most"] = max(flight["most"], flight["now"])
            shared.extend(mine & other for other in in_flight.values() if mine & other)
            in_flight[id(self)] = mine
            if flight["now"] == 2:
                both.set()
        both.wait(5)
        try:
            return real(self, time_limit)
        finally:
            with lock:
                flight["now"] -= 1
                del in_flight[id(self)]

    monkeypatch.setattr(Sub, "solve", solve)
    search.stats.size = 30  # neighbourhoods small enough for two on this fair's people
    seen: list[int] = []
    ones = search.run(
        time.perf_counter() + 10,
        step_s=2.0,
        improved=lambda got: seen.append(weight(hm, got)),
        workers=2,
    )
    assert flight["most"] == 2
    assert shared == []  # two steps at once never free the same person's requests
    assert validate(p, schedule_of(hm, ones)) == []
    # improvements are reported from the calling thread, each heavier than the last
    assert seen and seen == sorted(set(seen)) and seen[-1] <= weight(hm, ones)
    assert lp.bound - weight(hm, ones) >= -1e-6
    # better than the start (how much depends on the machine's load: small steps here)
    assert weight(hm, ones) > weight(hm, start) and search.stats.improved >= 1
