"""Column generation (scheduler/pricing.py): restricted catalogues, a bound that holds for
the whole fair, and a solve through it that stays valid."""

from __future__ import annotations

import math
import time

import pytest

from scheduler import pricing
from scheduler.candidates import build_catalog
from scheduler.lp import solve_lp
from scheduler.model import hard_model
from scheduler.pricing import duals_of, full_space, initial_selection, lagrange, price, refine
from scheduler.problem import Options, Problem
from scheduler.solve import solve, weight_of
from scheduler.validate import validate
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit


def mixed_fair(seed: int) -> Problem:
    """Over-subscribed, with third seats, two-slot meetings, booths, pools and caps."""
    return make_fair(seed, companies=50, requests=260, days=2, slots_per_day=8, tables=6)


def test_select_keeps_only_the_chosen_groups_and_everything_selects_the_full_catalog() -> None:
    p = mixed_fair(1)
    full = build_catalog(p)
    space = full_space(p)
    assert space.size == len(full.candidates)
    every = {rid: set(groups) for rid, groups in space.groups.items()}
    assert build_catalog(p, select=every).candidates == full.candidates
    some = initial_selection(space, per_mode=2)
    cat = build_catalog(p, select=some, avail=space.avail)
    assert 0 < len(cat.candidates) < len(full.candidates)
    for c in cat.candidates:
        assert (c.start, c.in_person) in some[c.request]
        assert c in set(full.candidates)
    # every request that can meet at all keeps a way to meet
    assert {c.request for c in cat.candidates} == {c.request for c in full.candidates}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_priced_bound_caps_the_full_lp_in_every_round_and_closes_on_it(seed: int) -> None:
    p = mixed_fair(seed)
    full_lp = solve_lp(hard_model(build_catalog(p)), 30)
    assert full_lp is not None
    space = full_space(p)
    selected = initial_selection(space, per_mode=1)
    bounds = []
    for _ in range(40):
        hm = hard_model(build_catalog(p, select=selected, avail=space.avail))
        lp = solve_lp(hm, 30)
        assert lp is not None and lp.optimal
        bound, additions = price(space, hm, lp.duals, selected)
        bounds.append(bound)
        # a Lagrangian bound from any non-negative duals: never below the full LP
        assert bound >= full_lp.objective - 1e-6
        if not additions:
            break
        for rid, groups in additions.items():
            selected[rid].update(groups)
    else:
        pytest.fail("column generation did not converge")
    # no column prices out: the restricted LP is the full LP
    assert lp.objective == pytest.approx(full_lp.objective, abs=1e-6)
    assert bounds[0] > full_lp.objective  # a selection of one group per mode is not enough


def test_solve_through_columns_is_valid_and_its_bound_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = mixed_fair(4)
    options = Options(time_limit=20, workers=1, seed=1)
    whole = solve(p, options)
    monkeypatch.setattr(pricing, "COLUMNS_FROM", 0)  # every fair goes through columns
    priced = solve(p, options)
    assert validate(p, priced.assignments) == []
    level1 = priced.levels[0]
    full_lp = solve_lp(hard_model(build_catalog(p)), 30)
    assert full_lp is not None
    # weights are whole numbers: the floor of an LP bound is a bound
    assert level1.bound >= math.floor(full_lp.objective + 1e-6) >= weight_of(p, whole.assignments)
    assert level1.value == weight_of(p, priced.assignments)
    assert level1.value >= 0.97 * whole.levels[0].value
    # every request left out has a reason, given from all of its candidates
    placed = {a.request for a in priced.assignments}
    assert set(priced.unscheduled) == {r.id for r in p.requests} - placed


@pytest.mark.parametrize("seed", [1, 2])
def test_subgradient_steps_lower_the_bound_and_keep_it_valid(seed: int) -> None:
    p = mixed_fair(seed)
    full_lp = solve_lp(hard_model(build_catalog(p)), 30)
    assert full_lp is not None
    space = full_space(p)
    selected = initial_selection(space, per_mode=1)
    hm = hard_model(build_catalog(p, select=selected, avail=space.avail))
    lp = solve_lp(hm, 30)
    assert lp is not None
    start, _ = price(space, hm, lp.duals, selected)
    y = duals_of(space, hm, lp.duals)
    refined = refine(space, y, lp.objective, time.perf_counter() + 30)
    assert full_lp.objective - 1e-6 <= refined < start
    # the prices it ends with are non-negative, so they still bound every schedule
    assert all(v >= 0 for values in y.person.values() for v in values)
    assert lagrange(space, y, {}).bound >= full_lp.objective - 1e-6
