"""GLOP and PDLP side by side (scheduler/lp.py `solve_lp_pair`) and level 1 from an
interior LP solution alone (scheduler/levels.py): when PDLP is optimal first, a GLOP that
has not finished is interrupted after a short grace and its half-way point is dropped;
with only PDLP's spread-out solution, a large model goes straight to the neighbourhood
search instead of SCIP on the support."""

from __future__ import annotations

import math
import threading
import time

import pytest
from ortools.linear_solver import linear_solver_pb2 as pb  # type: ignore[attr-defined]
from ortools.linear_solver.python import model_builder_helper as mbh

import scheduler.levels as levels
import scheduler.lp as lp
from scheduler.candidates import build_catalog
from scheduler.lns import Search
from scheduler.model import HardModel, encode, hard_model
from scheduler.problem import Options
from scheduler.rounding import round_lp
from scheduler.solve import solve
from scheduler.validate import validate
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit


class _Helpers:
    """The real solver helper for PDLP; for GLOP one that answers nothing until it is
    interrupted (a simplex that never finishes), recording when that happened."""

    def __init__(self) -> None:
        self.real = mbh.ModelSolverHelper
        self.glop_interrupted = threading.Event()
        self.interrupted_at = 0.0

    def __call__(self, name: str) -> object:
        outer = self
        real = self.real(name)

        class Helper:
            glop = False

            def solve_serialized_request(self, request: bytes) -> bytes:
                req = pb.MPModelRequest.FromString(request)
                if req.solver_type != pb.MPModelRequest.GLOP_LINEAR_PROGRAMMING:
                    return bytes(real.solve_serialized_request(request))  # type: ignore[arg-type]
                self.glop = True
                assert outer.glop_interrupted.wait(30), "GLOP was never interrupted"
                status = pb.MPSOLVER_NOT_SOLVED
                return bytes(pb.MPSolutionResponse(status=status).SerializeToString())

            def interrupt_solve(self) -> bool:
                if self.glop:
                    outer.interrupted_at = time.perf_counter()
                    outer.glop_interrupted.set()
                return True

        return Helper()


def test_a_glop_slower_than_pdlp_is_interrupted_after_the_grace_and_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = make_fair(3, companies=50, requests=400, days=2, slots_per_day=8, tables=6)
    hm = hard_model(build_catalog(p))
    exact = lp.solve_lp(hm, 30)  # GLOP alone, before it is replaced
    assert exact is not None and exact.optimal
    helpers = _Helpers()
    monkeypatch.setattr(mbh, "ModelSolverHelper", helpers)
    monkeypatch.setattr(lp, "PDLP_NNZ", 0)  # this small model takes the side-by-side path
    started = time.perf_counter()
    pair = lp.solve_lp_pair(hm, 60)
    assert helpers.glop_interrupted.is_set()
    assert pair.interior is not None and pair.interior.optimal
    assert pair.vertex is None
    grace = max(lp.GLOP_GRACE_MIN_S, lp.GLOP_GRACE * pair.interior.seconds)
    waited = helpers.interrupted_at - started - pair.interior.seconds
    assert grace - 0.05 <= waited <= grace + 1.0
    # the bound is PDLP's, and as good as GLOP's exact one on the same model once
    # rounded down to a whole weight, as level 1 reports it
    assert exact.objective - 1e-6 <= pair.bound <= exact.objective * (1 + 2e-4) + 1e-4
    assert math.floor(pair.bound + 1e-6) == math.floor(exact.objective + 1e-6)


def test_an_optimal_glop_first_interrupts_pdlp_and_keeps_the_vertex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = make_fair(3, companies=50, requests=400, days=2, slots_per_day=8, tables=6)
    hm = hard_model(build_catalog(p))
    monkeypatch.setattr(lp, "PDLP_NNZ", 0)
    pair = lp.solve_lp_pair(hm, 60)
    # GLOP solves this small model long before PDLP's 1e-5 tolerance is met
    assert pair.vertex is not None and pair.vertex.optimal
    assert pair.interior is None
    assert pair.bound == pytest.approx(pair.vertex.objective, abs=1e-6)


def _interior_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDLP alone (as above `GLOP_MAX_NNZ`) on a model counted as large."""
    monkeypatch.setattr(lp, "PDLP_NNZ", 0)
    monkeypatch.setattr(lp, "GLOP_MAX_NNZ", 0)
    monkeypatch.setattr(levels, "FULL_MODEL_VARS", 0)


def test_an_optimal_interior_lp_gives_scip_a_sparse_points_support(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With PDLP's optimum only, SCIP gets the support of the perturbed sparse point
    (`lp.sparse_point`), hinted with that point's rounding, and nothing else: fewer
    variables than the optimum's own spread support; the schedule stays valid under the
    LP's bound and the search runs after it."""
    p = make_fair(3, companies=50, requests=400, days=2, slots_per_day=8, tables=6)
    _interior_only(monkeypatch)
    points: list[tuple[list[float], list[float]]] = []
    models: list[HardModel] = []
    real_point = levels.sparse_point

    def point(lm: lp.LpModel, optimum: lp.LpResult, *args: object, **kw: object) -> list[float]:
        got = real_point(lm, optimum, *args, **kw)  # type: ignore[arg-type]
        points.append((optimum.values, got))
        models.append(lm.hm)
        return got

    kept: list[set[int]] = []
    real_mip = levels.solve_restricted_mip

    def mip(hm: object, keep: set[int], *args: object, **kw: object) -> object:
        kept.append(set(keep))
        return real_mip(hm, keep, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(levels, "sparse_point", point)
    monkeypatch.setattr(levels, "solve_restricted_mip", mip)
    res = solve(p, Options(time_limit=12, workers=1, seed=1, levels=1))
    assert validate(p, res.assignments) == []
    first = res.levels[0]
    assert first.value <= first.bound
    if first.status.value == "optimal" and not points:
        pytest.skip("the rounding of PDLP's optimum was already optimal on this fair")
    assert len(points) == 1 and len(kept) == 1
    optimum, sparse = points[0]
    # the point's support and its rounding, nothing else (a first solve: nothing published)
    rounding = set(encode(models[0].vars, round_lp(models[0].vars, sparse)))
    assert kept[0] == {j for j, x in enumerate(sparse) if x > levels.SPARSE_SUPPORT} | rounding
    spread = {j for j, x in enumerate(optimum) if x > 1e-3}
    assert len({j for j, x in enumerate(sparse) if x > 1e-3}) < len(spread)


def test_an_interior_lp_stopped_early_goes_to_the_neighbourhood_search_not_scip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PDLP stopped before its optimum (no sparse point can be taken from it): level 1
    never builds SCIP's model of the LP's support, the neighbourhood search improves the
    rounding instead, and the schedule stays valid under the LP's bound."""
    p = make_fair(3, companies=50, requests=400, days=2, slots_per_day=8, tables=6)
    _interior_only(monkeypatch)
    real_pair = levels.solve_lp_pair

    def stopped_early(*args: object, **kw: object) -> lp.LpPair:
        pair = real_pair(*args, **kw)  # type: ignore[arg-type]
        assert pair.interior is not None
        pair.interior.optimal = False
        return pair

    monkeypatch.setattr(levels, "solve_lp_pair", stopped_early)

    def no_scip(*args: object, **kw: object) -> None:
        raise AssertionError("SCIP on the support was run")

    monkeypatch.setattr(levels, "solve_restricted_mip", no_scip)
    searched: list[int] = []
    real_run = Search.run

    def run(self: Search, *args: object, **kw: object) -> list[int]:
        searched.append(len(self.ones()))
        return real_run(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Search, "run", run)
    res = solve(p, Options(time_limit=8, workers=1, seed=1, levels=1))
    assert validate(p, res.assignments) == []
    first = res.levels[0]
    assert first.value <= first.bound
    if first.status.value == "optimal":
        pytest.skip("the rounding of PDLP's solution was already optimal on this fair")
    assert searched, "the neighbourhood search was not run"
