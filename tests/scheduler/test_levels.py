"""Levels 2 and 3 by local search keep level 1 and improve their own figure."""

from __future__ import annotations

import time
from datetime import time as clock

import pytest

from scheduler.baselines import construct, greedy_order
from scheduler.candidates import Candidate, build_catalog
from scheduler.comfort import improve_comfort, total_cost
from scheduler.fairness import serve_unserved
from scheduler.metrics import figures
from scheduler.problem import Mode, Options, PlaceKind
from scheduler.solve import solve, weight_of
from scheduler.tables import number_places
from scheduler.validate import validate
from tests.scheduler.factories import fair, make_fair, person, request

pytestmark = pytest.mark.unit


def index(cat, rid: str, start: int) -> int:  # type: ignore[no-untyped-def]
    return cat.index_of(Candidate(rid, start, 1, PlaceKind.ONLINE, "online"))


def test_serve_unserved_swaps_for_a_participant_with_none() -> None:
    c = person("c", windows=((clock(9), clock(9, 30)),))
    p = fair(
        [person("a"), person("b"), c, person("d"), person("e")],
        [
            request("r1", "a", "b", mode=Mode.ONLINE),
            request("r2", "a", "c", mode=Mode.ONLINE),
            request("r3", "a", "d", mode=Mode.ONLINE),
            request("r4", "b", "e", mode=Mode.ONLINE),
        ],
        slots_per_day=2,
    )
    cat = build_catalog(p)
    chosen = [(index(cat, "r1", 0), None), (index(cat, "r3", 1), None), (index(cat, "r4", 1), None)]
    out = serve_unserved(cat, chosen, time.perf_counter() + 5, frozen=set())
    got = {cat.candidates[i].request for i, _ in out}
    assert got == {"r2", "r3", "r4"}
    a = number_places(cat, [(cat.candidates[i], t) for i, t in out])
    assert validate(p, a) == [] and figures(p, a).people_with_none == 0


def test_comfort_search_closes_gaps_and_keeps_requests() -> None:
    p = make_fair(4, companies=30, requests=120, days=1, slots_per_day=12, tables=6)
    cat = build_catalog(p)
    # a deliberately gappy schedule: greedy that prefers the latest slots of odd requests
    chosen = construct(
        cat, greedy_order(p), rank=lambda c: (-c.start if int(c.request[1:]) % 2 else c.start,)
    )
    before = total_cost(cat, chosen)
    after_sched = improve_comfort(cat, chosen, time.perf_counter() + 5)
    assert total_cost(cat, after_sched) < before
    assert {cat.candidates[i].request for i, _ in after_sched} == {
        cat.candidates[i].request for i, _ in chosen
    }
    a = number_places(cat, [(cat.candidates[i], t) for i, t in after_sched])
    assert validate(p, a) == []


def test_levels_reported_in_order_with_values() -> None:
    p = make_fair(8, companies=30, requests=120, days=1, slots_per_day=12, tables=6)
    res = solve(p, Options(time_limit=6, workers=1, levels=3))
    assert [lv.level for lv in res.levels] == [1, 2, 2, 3]
    assert res.levels[0].value == weight_of(p, res.assignments)
    assert res.levels[1].value == figures(p, res.assignments).people_with_none


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (60.0, 30.0),  # at the start: at least half of the limit (LATE_SEARCH)
        (45.0, 30.0),  # after a 15 s LP: still half of the limit
        (20.0, 16.0),  # late: never more than 80% of what is left (LATE_LEFT)
    ],
)
def test_level1_budget_after_a_slow_lp(left: float, expected: float) -> None:
    """Level 1's share of a 60 s solve with later levels to run (docs/scheduler.md,
    "Time"): the deadline `left` seconds away, the budget `expected` seconds away."""
    from scheduler.levels import LATE_LEFT, LATE_SEARCH, Levels
    from scheduler.model import hard_model

    assert (LATE_SEARCH, LATE_LEFT) == (0.5, 0.8)
    p = fair([person("a"), person("b")], [request("r", "a", "b")])
    hm = hard_model(build_catalog(p))
    now = time.perf_counter()
    levels = Levels(hm, Options(time_limit=60, levels=4), now + left, None, None)
    assert levels._budget_level1() - now == pytest.approx(expected, abs=0.05)


def test_the_solve_keeps_a_reserve_for_its_last_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/scheduler.md, "Time": the levels end `0.3 s + 1 s per 400k variables` before
    the limit (at most a quarter of it); the rest is for moving meetings in person,
    numbering places and the reasons."""
    import scheduler.levels

    seen: list[tuple[float, int]] = []
    real = scheduler.levels.Levels.__init__

    def init(self, hm, opts, deadline, progress, stop):  # type: ignore[no-untyped-def]
        seen.append((deadline, hm.vars.size))
        real(self, hm, opts, deadline, progress, stop)

    monkeypatch.setattr(scheduler.levels.Levels, "__init__", init)
    p = make_fair(3, companies=80, requests=800, days=2, slots_per_day=8, tables=4)
    for limit in (3.0, 0.8):
        before = time.perf_counter()
        solve(p, Options(time_limit=limit, workers=1, seed=0, levels=1))
        deadline, size = seen[-1]
        expected = min(0.25 * limit, 0.3 + size / 400_000)
        assert size > 10_000  # one second per 200k would keep 25 ms more
        assert before + limit - deadline == pytest.approx(expected, abs=0.01)
