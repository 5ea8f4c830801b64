"""The LP leaves out dominated in-person variables (scheduler/lp.py `dominated`): with
unlimited video rooms, meeting in person at a start a request could also meet online at
needs every row of the online meeting and a place. The LP's optimum and its bound are
those of the whole model; locked meetings and capped video rooms keep every variable."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scheduler.lp as lp
from scheduler.baselines import construct, greedy_order
from scheduler.candidates import build_catalog, candidate_of
from scheduler.comfort import in_person_first, total_cost
from scheduler.ledger import Ledger
from scheduler.model import hard_model
from scheduler.problem import Assignment, Options, PlaceKind
from scheduler.solve import solve, weight_of
from scheduler.validate import validate
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit


def _glop(model: lp.LpModel) -> lp.LpResult:
    started = time.perf_counter()
    got = lp._solve(model, lp._request(model.proto, "glop", 30, 1), "glop", started)
    assert got is not None and got.optimal
    return got


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), third=st.sampled_from([0.0, 0.3]))
def test_the_lp_without_dominated_variables_has_the_whole_models_optimum_and_bound(
    seed: int, third: float
) -> None:
    p = make_fair(
        seed, companies=30, requests=150, days=1, slots_per_day=8, tables=4, third_share=third
    )
    hm = hard_model(build_catalog(p))
    whole = lp.LpModel.of(hm, reduce=False)
    reduced = lp.LpModel.of(hm)
    assert not whole.fixed
    cat = hm.vars.catalog
    online = {(c.request, c.start) for c in cat.candidates if not c.in_person}
    for j in reduced.fixed:
        if j < hm.vars.n_cand:
            c = cat.candidates[j]
            assert c.in_person and (c.request, c.start) in online
    a, b = _glop(whole), _glop(reduced)
    assert all(b.values[j] == 0.0 for j in reduced.fixed)
    assert abs(a.objective - b.objective) <= 1e-6
    # the bound is counted over every row and variable of the whole model
    assert a.objective - 1e-6 <= b.bound <= a.objective + 1e-6


def test_capped_video_rooms_and_locked_meetings_keep_their_in_person_variables() -> None:
    p = make_fair(5, companies=30, requests=150, days=1, slots_per_day=8, tables=4)
    hm = hard_model(build_catalog(p))
    fixed = lp.dominated(hm)
    assert fixed
    assert not lp.dominated(hard_model(build_catalog(replace(p, online_capacity=50))))
    # lock one request whose in-person meeting was left out, at that booth or pool
    c = next(hm.vars.catalog.candidates[j] for j in sorted(fixed) if j < hm.vars.n_cand)
    kind, place = c.kind, c.place
    if kind is PlaceKind.TABLE:
        place = next(iter(p.table_pools[c.place].tables))
    lock = Assignment(c.request, c.start, c.length, kind, place)
    requests = tuple(replace(r, lock=lock) if r.id == c.request else r for r in p.requests)
    locked = hard_model(build_catalog(replace(p, requests=requests)))
    cat = locked.vars.catalog
    held = {
        j
        for j in range(locked.vars.n_cand)
        if (cat.candidates[j].request, cat.candidates[j].start) == (c.request, c.start)
    }
    assert locked.vars.forced and not held & lp.dominated(locked)


def test_no_meeting_stays_online_where_its_booth_or_pool_has_room_at_that_start() -> None:
    """The LP keeps such meetings online; `comfort.in_person_first` moves them after the
    levels, so people who can both be on site meet there when a place is free."""
    p = make_fair(7, companies=40, requests=300, days=1, slots_per_day=8, tables=6)
    res = solve(p, Options(time_limit=10, workers=1, seed=1))
    assert validate(p, res.assignments) == []
    cat = build_catalog(p)
    led = Ledger(cat)
    placed = []
    for a in res.assignments:
        idx = cat.index_of(candidate_of(cat, a))
        assert idx is not None
        led.add(cat.candidates[idx], a.third_seat)
        placed.append(cat.candidates[idx])
    # every level keeps its reported value
    assert res.levels[0].value == weight_of(p, res.assignments)
    chosen = [(cat.index_of(c), a.third_seat) for c, a in zip(placed, res.assignments, strict=True)]
    comfort = next(r for r in res.levels if r.level == 3)
    assert comfort.value == total_cost(cat, chosen)  # type: ignore[arg-type]
    online = [c for c in placed if not c.in_person]
    in_person = sum(1 for c in placed if c.in_person)
    assert online and in_person
    for c in online:
        third = next(a.third_seat for a in res.assignments if a.request == c.request)
        led.remove(c, third)
        for k in cat.by_request[c.request]:
            alt = cat.candidates[k]
            if alt.in_person and alt.start == c.start:
                assert not led.fits(alt)[0], f"{c.request} could meet at {alt.place}"
        led.add(c, third)


def test_in_person_first_leaves_the_requests_it_is_told_to_keep() -> None:
    """Published meetings on a re-solve (and locked ones) stay where they are: moving
    them is level 4's to weigh."""
    p = make_fair(7, companies=40, requests=300, days=1, slots_per_day=8, tables=6)
    cat = build_catalog(p)
    # online first at each start: meetings left online where a place has room
    chosen = construct(cat, greedy_order(p), rank=lambda c: (c.start, c.in_person))
    moved = {
        cat.candidates[i].request
        for (i, _), (k, _) in zip(chosen, in_person_first(cat, chosen, set()), strict=True)
        if i != k
    }
    assert len(moved) > 1
    keep = set(sorted(moved)[::2])
    again = in_person_first(cat, chosen, keep)
    stayed = {
        cat.candidates[i].request for (i, _), (k, _) in zip(chosen, again, strict=True) if i == k
    }
    assert keep <= stayed and moved - keep <= {
        cat.candidates[k].request for k, _ in again if cat.candidates[k].in_person
    }


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    third=st.sampled_from([0.0, 0.3]),
    reduce=st.booleans(),
    proto_first=st.booleans(),
)
def test_pdlps_form_built_from_arrays_is_the_protos(
    seed: int, third: float, reduce: bool, proto_first: bool
) -> None:
    """`LpModel.qp` builds PDLP's form straight from the LP's nonzeros; it is the LP GLOP
    gets as a proto, converted by OR-Tools: same rows, coefficients and bounds, locked
    meetings at 1 and left-out variables at 0; and those are the rows' own."""
    import numpy as np
    from ortools.pdlp.python import pdlp

    p = make_fair(
        seed, companies=30, requests=150, days=1, slots_per_day=8, tables=4, third_share=third
    )
    first = construct(build_catalog(p), greedy_order(p))[0]
    c = build_catalog(p).candidates[first[0]]
    place = c.place
    if c.kind is PlaceKind.TABLE:
        place = next(iter(p.table_pools[c.place].tables))
    lock = Assignment(c.request, c.start, c.length, c.kind, place, first[1])
    requests = tuple(replace(r, lock=lock) if r.id == c.request else r for r in p.requests)
    hm = hard_model(build_catalog(replace(p, requests=requests)))
    assert hm.vars.forced
    model = lp.LpModel.of(hm, reduce=reduce)
    assert bool(model.fixed) == reduce
    if proto_first:  # the proto drops the nonzeros kept from `of`: they are found again
        theirs = pdlp.qp_from_mpmodel_proto(model.proto, True)
        ours = model.qp(model.weights)
    else:
        ours = model.qp(model.weights)
        theirs = pdlp.qp_from_mpmodel_proto(model.proto, True)
    assert (
        ours.constraint_matrix.shape
        == theirs.constraint_matrix.shape
        == (
            len(model.rows),
            hm.vars.size,
        )
    )
    assert (ours.constraint_matrix != theirs.constraint_matrix).nnz == 0
    assert model.nnz == theirs.constraint_matrix.nnz
    for name in (
        "objective_vector",
        "constraint_lower_bounds",
        "constraint_upper_bounds",
        "variable_lower_bounds",
        "variable_upper_bounds",
    ):
        assert np.array_equal(getattr(ours, name), getattr(theirs, name)), name
    assert all(ours.variable_lower_bounds[j] == 1.0 for j in hm.vars.forced)
    assert all(ours.variable_upper_bounds[j] == 0.0 for j in model.fixed)
    # Both forms come from the same nonzeros: those are checked here against the rows
    # themselves, and the weights against each variable's own.
    assert model.weights == [float(hm.vars.weight(j)) for j in range(hm.vars.size)]
    expected = []
    for k, row in enumerate(hm.rows):
        coefs = row.coefs if row.coefs is not None else [1.0] * len(row.vars)
        pairs = [(j, a) for j, a in zip(row.vars, coefs, strict=True) if j not in model.fixed]
        if pairs:
            expected.append((k, pairs, row.lb, row.ub))
    assert model.rows == [k for k, *_ in expected]
    assert [
        (list(zip(ct.var_index, ct.coefficient, strict=True)), ct.lower_bound, ct.upper_bound)
        for ct in model.proto.constraint
    ] == [(pairs, lb, ub) for _, pairs, lb, ub in expected]
