"""The LP relaxation of level 1: a fast, honest upper bound and the variables worth keeping.

At small and video scale the LP optimum of this assignment-like model is integral, i.e.
it *is* an optimal schedule; at expo scale it is nearly so, and the variables it uses
(~2% of all candidates) are the ones the restricted CP-SAT model needs. GLOP (simplex)
is exact and quick on small models; PDLP (first-order) solves the expo LP several times
faster. PDLP's answer is approximate, so the bound we report is recomputed from its dual
values by weak duality (valid for *any* non-negative duals), never taken on trust.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.linear_solver import linear_solver_pb2 as pb  # type: ignore[attr-defined]
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined]
from ortools.linear_solver.python import model_builder_helper as mbh

from scheduler.model import HardModel, Key

log = logging.getLogger(__name__)

# above this many nonzeros PDLP beats GLOP by a wide margin (measured, see docs)
PDLP_NNZ = 300_000
# beyond this many nonzeros (of the LP solved, `dominated` variables left out) GLOP did
# not finish in 100 s (the factories' tight 12k-request fair, 4.3M nonzeros) while PDLP
# did in ~18 s, nor in 27-29 s beside PDLP or 60 s alone with either simplex on the
# generated tight expo (2.02M of its 2.77M nonzeros left): go straight to PDLP. The
# generated expo (1.35M of 1.86M) keeps the pair: GLOP is optimal there first
GLOP_MAX_NNZ = 1_700_000
# when PDLP is optimal first, GLOP may go on for this share of PDLP's time (at least
# GLOP_GRACE_MIN_S) before it is interrupted: on the tight expo PDLP was optimal at 16 s
# and GLOP ran on to 29 s without a usable answer, while on the expo GLOP is optimal
# first (6.5 s against PDLP's 6.8 s) and its vertex rounds far better
GLOP_GRACE = 0.25
GLOP_GRACE_MIN_S = 1.0
# weight perturbation (weights are whole numbers from 1) that leaves one LP optimum
PERTURB = 0.3
# PDLP's iterations for `sparse_point`: on the tight expo, with SCIP's quick settings
# (`SCIP_QUICK`), six perturbations gave 47,804-47,850 (mean 47,834) after 384
# iterations and 47,803-47,839 (mean 47,827) after 768, in about the same time in all
# (the point 3-4 s sooner, SCIP a little longer); at 60 s beside two busy loops that
# halve the machine, two solves each reached 47,850 and 47,850 against 47,845 and 47,834.
# (Without the quick settings and with a shorter limit, SCIP had found nothing beyond
# the point's rounding after 250-430 iterations.)
SPARSE_ITERATIONS = 384
# SCIP's settings for a quick answer on the sparse point's support: on the tight expo
# SCIP spent 10-11 s in rounds of cuts at the root before its diving heuristic found
# 47,824-47,837, then more to prove it (14.4-16.7 s in all); with three rounds and a
# stop within 0.01% of its own bound it returned 47,824-47,837 in 6.2-7.6 s
SCIP_QUICK = "separating/maxroundsroot = 3\nlimits/gap = 0.0001"


@dataclass
class LpResult:
    """Primal values, the weak-duality bound, solver name and seconds."""

    values: list[float]
    bound: float
    reduced: list[float]
    objective: float
    solver: str
    seconds: float
    optimal: bool
    duals: list[float] = field(default_factory=list)  # one per row, when the solver gave them
    iterations: int = 0  # PDLP's, when solved by `solve_pdlp`


def _nonzeros(hm: HardModel, fixed: Collection[int]) -> tuple[Any, Any, Any]:
    """The LP's nonzeros as arrays: the column, coefficient and row (index in `hm.rows`)
    of each, the variables in `fixed` left out of every row."""
    import itertools

    import numpy as np

    lengths = np.fromiter((len(r.vars) for r in hm.rows), dtype=np.int64, count=len(hm.rows))
    total = int(lengths.sum())
    cols = np.fromiter(
        itertools.chain.from_iterable(r.vars for r in hm.rows), dtype=np.int64, count=total
    )
    coefs = np.fromiter(
        itertools.chain.from_iterable(
            r.coefs if r.coefs is not None else itertools.repeat(1.0, len(r.vars)) for r in hm.rows
        ),
        dtype=np.float64,
        count=total,
    )
    which = np.repeat(np.arange(len(hm.rows)), lengths)
    if fixed:
        used = np.ones(hm.vars.size, dtype=bool)
        used[list(fixed)] = False
        keep = used[cols]
        cols, coefs, which = cols[keep], coefs[keep], which[keep]
    return cols, coefs, which


def _proto(
    hm: HardModel, weights: list[float], fixed: Collection[int], rows: list[int], entries: Any
) -> pb.MPModelProto:
    """The LP as a proto from its nonzeros (`_nonzeros`), whose rows are `rows`."""
    import numpy as np

    model = pb.MPModelProto(maximize=True)
    add = model.variable.add
    for w in weights:
        add(lower_bound=0.0, upper_bound=1.0, objective_coefficient=w)
    for var in hm.vars.forced:
        model.variable[var].lower_bound = 1.0
    for var in fixed:
        model.variable[var].upper_bound = 0.0
    cols, coefs, which = entries
    if not rows:
        return model
    cuts = np.flatnonzero(np.diff(which)) + 1  # the nonzeros come row by row
    for k, idx, a in zip(rows, np.split(cols, cuts), np.split(coefs, cuts), strict=True):
        row = hm.rows[k]
        ct = model.constraint.add(lower_bound=row.lb, upper_bound=row.ub)
        ct.var_index.extend(idx.tolist())
        ct.coefficient.extend(a.tolist())
    return model


def dominated(hm: HardModel) -> set[int]:
    """In-person variables the LP can do without: with unlimited video rooms, a request
    that can meet in person at a start and can also meet online then has every row of
    the in-person meeting but its place's (same people, slots, caps; its third-seat pool
    is a subset of the online one, checked), at the same weight. Any solution moves to
    online at the same start with nothing violated, so the LP's optimum and bound are
    unchanged without them. On the tight expo: 171k of 706k variables, 27% of the
    nonzeros. Locked or kept meetings are never left out."""
    v = hm.vars
    cat = v.catalog
    if cat.problem.online_capacity is not None:
        return set()
    online = {(c.request, c.start) for c in cat.candidates if not c.in_person}
    held = {(cat.candidates[j].request, cat.candidates[j].start) for j in v.forced if j < v.n_cand}
    out: set[int] = set()
    for i, c in enumerate(cat.candidates):
        key = (c.request, c.start)
        if not c.in_person or key not in online or key in held:
            continue
        seats = cat.third.get((c.request, c.start, True), ())
        if seats and not set(seats) <= set(cat.third.get((c.request, c.start, False), ())):
            continue
        out.add(i)
        out.update(v.group_third.get((c.request, c.start, True), ()))
    return out


@dataclass
class LpModel:
    """The level-1 LP as the solvers get it, built once per hard model: the rows it kept
    and the variables fixed at 0 (`dominated`); GLOP's proto and PDLP's form are built
    from these when a solver first asks."""

    hm: HardModel
    weights: list[float]
    rows: list[int]  # index in hm.rows of each of the LP's rows
    fixed: set[int]
    nnz: int
    # a row left out (every variable fixed) → the row whose dual it takes: an in-person
    # third-seat row takes its online twin's, so in-person variables price as before
    twins: dict[int, int] = field(default_factory=dict)
    _proto: pb.MPModelProto | None = None
    _qp: Any = None
    # the LP's nonzeros (`_nonzeros`) until PDLP's form or GLOP's proto is built
    _entries: Any = None

    @staticmethod
    def of(hm: HardModel, reduce: bool = True) -> LpModel:
        import numpy as np

        weights = hm.vars.weights()
        fixed = dominated(hm) if reduce else set()
        cols, coefs, which = _nonzeros(hm, fixed)
        rows = [int(k) for k in np.flatnonzero(np.bincount(which, minlength=len(hm.rows)))]
        index = {row.key: k for k, row in enumerate(hm.rows)}
        kept = set(rows)
        twins = {}
        for k, row in enumerate(hm.rows):
            if k not in kept and row.key[0] == "third" and row.key[3] is True:
                twin = index.get((*row.key[:3], False))
                if twin is not None:
                    twins[k] = twin
        return LpModel(hm, weights, rows, fixed, len(cols), twins, _entries=(cols, coefs, which))

    @property
    def proto(self) -> pb.MPModelProto:
        """The LP as GLOP (through the solver helper) gets it."""
        if self._proto is None:
            entries = self._entries or _nonzeros(self.hm, self.fixed)
            self._proto = _proto(self.hm, self.weights, self.fixed, self.rows, entries)
            self._entries = None  # GLOP's LP: PDLP's form is seldom asked for then
        return self._proto

    def qp(self, weights: list[float]) -> Any:
        """PDLP's form of the LP with `weights` as the objective, built once from the
        nonzeros as arrays (on the tight expo `of` and this take 0.9-1.1 s, where
        building the proto and converting it took 2.1-2.5 s)."""
        import numpy as np

        if self._qp is None:
            self._qp = self._build_qp()
            self._entries = None
        self._qp.objective_vector = -np.array(weights)  # PDLP minimises −weight
        return self._qp

    def _build_qp(self) -> Any:
        import numpy as np
        import scipy.sparse as sp
        from ortools.pdlp.python import pdlp

        hm = self.hm
        n = hm.vars.size
        cols, coefs, which = self._entries or _nonzeros(hm, self.fixed)
        renumber = np.zeros(len(hm.rows), dtype=np.int64)
        renumber[self.rows] = np.arange(len(self.rows))
        matrix = sp.coo_matrix((coefs, (renumber[which], cols)), shape=(len(self.rows), n))
        matrix = matrix.tocsc()
        lower = np.zeros(n)
        lower[list(hm.vars.forced)] = 1.0
        upper = np.ones(n)
        upper[list(self.fixed)] = 0.0
        rows = [hm.rows[k] for k in self.rows]
        qp = pdlp.QuadraticProgram()
        qp.resize_and_initialize(n, len(rows))
        qp.constraint_matrix = matrix
        qp.constraint_lower_bounds = np.array([r.lb for r in rows])
        qp.constraint_upper_bounds = np.array([r.ub for r in rows])
        qp.variable_lower_bounds = lower
        qp.variable_upper_bounds = upper
        return qp

    def full_duals(self, duals: Sequence[float]) -> list[float]:
        """One dual per row of `hm`, from one per row of the proto."""
        out = [0.0] * len(self.hm.rows)
        for k, y in zip(self.rows, duals, strict=True):
            out[k] = float(y)
        for k, twin in self.twins.items():
            out[k] = out[twin]
        return out


def _request(model: pb.MPModelProto, solver: str, time_limit: float, threads: int) -> bytes:
    kind = (
        pb.MPModelRequest.PDLP_LINEAR_PROGRAMMING
        if solver == "pdlp"
        else pb.MPModelRequest.GLOP_LINEAR_PROGRAMMING
    )
    req = pb.MPModelRequest(model=model, solver_type=kind)
    req.solver_time_limit_seconds = max(1.0, time_limit)
    if solver == "pdlp":
        req.solver_specific_parameters = (
            f"num_threads: {threads} "
            "termination_criteria { simple_optimality_criteria {"
            " eps_optimal_relative: 1e-5 eps_optimal_absolute: 1e-5 } }"
        )
    return bytes(req.SerializeToString())


def dual_bound(
    hm: HardModel, weights: list[float], duals: list[float]
) -> tuple[float, list[float]]:
    """Weak-duality upper bound of the LP (hence of the integer optimum) from any duals.

    For max c·x s.t. lb_r <= A_r x <= ub_r, l <= x <= u, any multipliers y give
    c·x <= Σ_r (y_r·ub_r if y_r > 0 else y_r·lb_r) + Σ_j max((c_j - A_j·y)·l_j,
    (c_j - A_j·y)·u_j). Rows with no finite side on y's side are dropped (y_r := 0).

    Returns:
        (bound, reduced cost c_j - A_j·y of every variable).
    """
    v = hm.vars
    reduced = list(weights)
    total = 0.0
    for row, y in zip(hm.rows, duals, strict=True):
        if y > 0 and math.isfinite(row.ub):
            total += y * row.ub
        elif y < 0 and math.isfinite(row.lb):
            total += y * row.lb
        else:
            continue
        if row.coefs is None:
            for j in row.vars:
                reduced[j] -= y
        else:
            for j, a in zip(row.vars, row.coefs, strict=True):
                reduced[j] -= a * y
    # a request's positive reduced costs moved onto its row: met at most once, it can
    # only ever collect the largest of them (raising the row's dual by it keeps every
    # term valid and lowers the bound, or leaves it). PDLP's duals leave such costs on
    # the variables' own bounds, and an in-person variable left out of the LP
    # (`dominated`) would otherwise count its online twin's once more
    for row in hm.rows:
        if row.key[0] != "req" or row.coefs is not None or not math.isfinite(row.ub):
            continue
        top = max((reduced[j] for j in row.vars), default=0.0)
        if top > 0.0:  # a forced variable (lb 1) loses top and the row gains it: even
            total += top * row.ub
            for j in row.vars:
                reduced[j] -= top
    for j, r in enumerate(reduced):
        lb = 1.0 if j in v.forced else 0.0
        total += max(r * lb, r)
    return total, reduced


def _solve(
    lm: LpModel,
    request: bytes,
    solver: str,
    started: float,
    helper: mbh.ModelSolverHelper | None = None,
) -> LpResult | None:
    hm = lm.hm
    helper = helper or mbh.ModelSolverHelper("")
    raw = helper.solve_serialized_request(request)  # type: ignore[arg-type]
    resp = pb.MPSolutionResponse.FromString(raw)
    status = pb.MPSolverResponseStatus.Name(resp.status)
    if len(resp.variable_value) != hm.vars.size:
        log.warning("LP (%s) gave no solution: %s", solver, status)
        return None
    bound, reduced = math.inf, [0.0] * hm.vars.size
    duals: list[float] = []
    if len(resp.dual_value) == len(lm.rows):
        # OR-Tools reports duals of a maximisation with the sign this formula expects
        duals = lm.full_duals(resp.dual_value)
        bound, reduced = dual_bound(hm, lm.weights, duals)
    seconds = time.perf_counter() - started
    log.info(
        "LP %s: objective %.3f, dual bound %.3f, %.2fs (%s)",
        solver,
        resp.objective_value,
        bound,
        seconds,
        status,
    )
    return LpResult(
        values=list(resp.variable_value),
        bound=bound,
        reduced=reduced,
        objective=resp.objective_value,
        solver=solver,
        seconds=seconds,
        optimal=resp.status == pb.MPSOLVER_OPTIMAL,
        duals=duals,
    )


def solve_lp(hm: HardModel, time_limit: float, solver: str = "glop") -> LpResult | None:
    """Solve the level-1 LP relaxation (maximise total weight) with one solver.

    Args:
        hm: the hard model.
        time_limit: seconds for the LP solver.
        solver: "glop" or "pdlp".

    Returns:
        The `LpResult`, or None when the LP solver gave no usable answer.
    """
    started = time.perf_counter()
    lm = LpModel.of(hm)
    return _solve(lm, _request(lm.proto, solver, time_limit, threads=2), solver, started)


def identity(hm: HardModel, j: int) -> object:
    """What variable `j` stands for, the same in every model of the same fair (a
    candidate, or a (request, start, in person, third-seat person) choice)."""
    v = hm.vars
    return v.catalog.candidates[j] if j < v.n_cand else v.third[j - v.n_cand]


@dataclass
class Warm:
    """An LP solution of another model of the same fair, by variable and row identity:
    where PDLP starts when column generation solves its next, larger model."""

    primal: dict[object, float]
    dual: dict[Key, float]

    @staticmethod
    def of(hm: HardModel, lp: LpResult) -> Warm:
        primal = {identity(hm, j): x for j, x in enumerate(lp.values) if x > 1e-9}
        dual = {row.key: y for row, y in zip(hm.rows, lp.duals, strict=True) if y != 0.0}
        return Warm(primal, dual)


def solve_pdlp(
    hm: HardModel,
    time_limit: float,
    warm: Warm | LpResult | None = None,
    threads: int = 2,
    eps: float = 1e-5,
    weights: list[float] | None = None,
    model: LpModel | None = None,
    iterations: int | None = None,
    bound: bool = True,
) -> LpResult | None:
    """PDLP on the level-1 LP, started from `warm` (variables and rows it does not know
    start at 0).

    Column generation solves a sequence of LPs that differ by a few columns: started from
    the previous round's primal and dual values, PDLP needs far fewer iterations than
    from zero. The bound is recomputed from the duals by weak duality (`dual_bound`), as
    for every LP here, so a start or an early stop can never inflate it.

    Args:
        hm: the hard model.
        time_limit: seconds.
        warm: the start, or None: a `Warm` of another model, or an `LpResult` of this
            one (taken as it is, with no lookup by identity).
        threads: PDLP's threads.
        eps: PDLP's relative and absolute optimality tolerance.
        weights: the objective, if not each variable's weight (the bound is then one
            of that objective, not of the fair's).
        model: `hm`'s LP already built (`LpModel.of`); else built here without leaving
            out dominated variables (column generation prices every row's dual).
        iterations: PDLP's iteration limit, if any.
        bound: False skips the weak-duality bound (`bound` is then inf and `reduced`
            empty): a point for another objective only needs its values.

    Returns:
        The `LpResult`, or None when PDLP gave no solution.
    """
    import numpy as np
    from ortools.pdlp import solve_log_pb2, solvers_pb2
    from ortools.pdlp.python import pdlp

    started = time.perf_counter()
    lm = model or LpModel.of(hm, reduce=False)
    if weights is None:
        weights = lm.weights
    qp = lm.qp(weights)
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.num_threads = threads
    crit = params.termination_criteria
    crit.simple_optimality_criteria.eps_optimal_relative = eps
    crit.simple_optimality_criteria.eps_optimal_absolute = eps
    crit.time_sec_limit = max(1.0, time_limit - (time.perf_counter() - started))
    if iterations is not None:
        crit.iteration_limit = iterations
    start = None
    if isinstance(warm, LpResult):
        start = pdlp.PrimalAndDualSolution()
        start.primal_solution = np.array(warm.values)
        start.dual_solution = np.array([-warm.duals[k] for k in lm.rows])
    elif warm is not None:
        start = pdlp.PrimalAndDualSolution()
        start.primal_solution = np.array(
            [warm.primal.get(identity(hm, j), 0.0) for j in range(hm.vars.size)]
        )
        # PDLP minimises −weight: its duals are the negatives of ours
        start.dual_solution = np.array([-warm.dual.get(hm.rows[k].key, 0.0) for k in lm.rows])
    got = pdlp.primal_dual_hybrid_gradient(qp, params, initial_solution=start)
    values = [float(x) for x in got.primal_solution]
    if len(values) != hm.vars.size or len(got.dual_solution) != len(lm.rows):
        log.warning("LP (pdlp) gave no solution: %s", got.solve_log.termination_reason)
        return None
    duals = lm.full_duals([-float(y) for y in got.dual_solution])
    lp_bound, reduced = dual_bound(hm, weights, duals) if bound else (math.inf, [])
    objective = sum(w * x for w, x in zip(weights, values, strict=True))
    reason = solve_log_pb2.TerminationReason.Name(got.solve_log.termination_reason)
    seconds = time.perf_counter() - started
    log.info(
        "LP pdlp%s: objective %.3f, dual bound %.3f, %d iterations, %.2fs (%s)",
        " (warm)" if warm is not None else "",
        objective,
        lp_bound,
        got.solve_log.iteration_count,
        seconds,
        reason,
    )
    return LpResult(
        values=values,
        bound=lp_bound,
        reduced=reduced,
        objective=objective,
        solver="pdlp",
        seconds=seconds,
        optimal=reason == "TERMINATION_REASON_OPTIMAL",
        duals=duals,
        iterations=got.solve_log.iteration_count,
    )


def sparse_point(
    lm: LpModel,
    optimum: LpResult,
    time_limit: float,
    seed: int = 0,
    iterations: int | None = SPARSE_ITERATIONS,
) -> list[float]:
    """A sparse, nearly integral point near the LP's optimal face, for SCIP's support.

    PDLP's optimum of a degenerate LP spreads over the whole optimal face (on the tight
    expo 283k values above 0.01, none above 0.3), and SCIP on its support finds nothing
    better than its rounding. Perturbing each candidate's weight by a random
    `PERTURB` × u (u in [0, 1), seeded) leaves one optimum, near a vertex; PDLP started
    from `optimum` moves towards it. Measured on the tight expo: 684 iterations in 10 s
    gave 18k values above 0.01 and 5k above 0.9, and SCIP on the values above 0.02 found
    47,873 of the bound 47,894 in 20 s (from the spread optimum: nothing beyond the
    rounding's 47,588). The point only chooses variables: the bound stays `optimum`'s.

    Args:
        lm: the LP (`LpPair.model`).
        optimum: PDLP's solution of the unperturbed LP (values and duals).
        time_limit: seconds, at most.
        seed: the perturbation's seed.
        iterations: PDLP's iterations, at most.

    Returns:
        The values, or `optimum.values` when PDLP gave nothing.
    """
    rng = random.Random(seed)
    hm = lm.hm
    n_cand = hm.vars.n_cand
    weights = [
        w + (PERTURB * rng.random() if j < n_cand else 0.0) for j, w in enumerate(lm.weights)
    ]
    got = solve_pdlp(
        hm,
        time_limit,
        warm=optimum,
        eps=1e-4,
        weights=weights,
        model=lm,
        iterations=iterations,
        bound=False,
    )
    return got.values if got is not None else optimum.values


@dataclass
class LpPair:
    """The best bound of both LP solvers and the primal values worth rounding."""

    bound: float
    vertex: LpResult | None  # GLOP: a basic solution, near-integral, small support
    interior: LpResult | None  # PDLP: fast and a good bound, but spread-out values
    seconds: float
    model: LpModel | None = None  # the LP both solved


def solve_lp_pair(
    hm: HardModel,
    time_limit: float,
    glop: bool = True,
    reduce: bool = True,
) -> LpPair:
    """GLOP and PDLP side by side on large models; PDLP alone on very large ones.

    GLOP's basic solution rounds far better (on the expo fair it rounds to 99.95% of the
    bound, PDLP's interior one to 99.4%) and its bound is exact, but GLOP can be very slow
    on tight fairs (> 100 s at 12k requests); PDLP always gives a bound (weak duality
    holds for its duals at any iteration). Both run at once, one core each (each releases
    the GIL); PDLP is interrupted as soon as GLOP is optimal, and GLOP a short grace
    (`GLOP_GRACE`) after PDLP is: a simplex stopped half-way is neither a bound nor a
    vertex worth rounding, so GLOP's answer is kept only when optimal or when PDLP has
    none. Above `GLOP_MAX_NNZ` GLOP is skipped and PDLP gets both cores.

    Args:
        hm: the hard model.
        time_limit: seconds for the LP phase.
        glop: False skips GLOP on models above `PDLP_NNZ` (PDLP gets both cores): column
            generation only needs duals, and on its restricted models GLOP did not
            finish in the time PDLP took.
        reduce: leave out `dominated` variables (column generation prices with every
            row's dual, so it keeps them).

    Returns:
        The `LpPair`.
    """
    started = time.perf_counter()
    lm = LpModel.of(hm, reduce)
    nnz = lm.nnz
    left = time_limit - (time.perf_counter() - started)
    if nnz <= PDLP_NNZ:
        vertex = _solve(lm, _request(lm.proto, "glop", left, 1), "glop", started)
        return _pair(lm, vertex, None, started)
    if nnz > GLOP_MAX_NNZ or not glop:
        # PDLP's own API: its form of the LP is kept for `sparse_point` (and, measured on
        # the tight expo, it reached a bound 3 weight tighter 2.6 s sooner than PDLP
        # through the solver helper; nothing runs beside it here, so holding the GIL,
        # as it does, costs nothing)
        interior = solve_pdlp(hm, left, model=lm)
        return _pair(lm, None, interior, started)
    model = lm.proto
    results: dict[str, LpResult | None] = {}
    helpers = {"glop": mbh.ModelSolverHelper(""), "pdlp": mbh.ModelSolverHelper("")}
    glop_done = threading.Event()

    def go(solver: str) -> None:
        request = _request(model, solver, left, threads=1)
        lp = _solve(lm, request, solver, started, helpers[solver])
        results[solver] = lp
        if solver == "glop":
            glop_done.set()
            if lp is not None and lp.optimal:
                helpers["pdlp"].interrupt_solve()  # GLOP's bound is exact: PDLP not needed
        elif lp is not None and lp.optimal:
            grace = max(GLOP_GRACE_MIN_S, GLOP_GRACE * lp.seconds)
            if not glop_done.wait(grace):
                log.info("LP glop: interrupted %.1fs after PDLP was optimal", grace)
                helpers["glop"].interrupt_solve()

    threads = [threading.Thread(target=go, args=(s,)) for s in ("glop", "pdlp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    vertex, interior = results.get("glop"), results.get("pdlp")
    if vertex is not None and vertex.optimal:
        interior = None  # interrupted half-way: values and bound not worth using
    elif interior is not None and interior.optimal:
        vertex = None  # stopped half-way: on the tight expo its point rounded below greedy
    return _pair(lm, vertex, interior, started)


def _pair(
    lm: LpModel, vertex: LpResult | None, interior: LpResult | None, started: float
) -> LpPair:
    hm = lm.hm
    # an LP stopped early can have wild duals: never claim more than every request
    trivial = float(
        sum(
            r.weight
            for rid, r in hm.vars.catalog.requests.items()
            if hm.vars.catalog.by_request.get(rid)
        )
    )
    bounds = [r.bound for r in (vertex, interior) if r is not None] + [trivial]
    return LpPair(
        bound=min(bounds),
        vertex=vertex,
        interior=interior,
        seconds=time.perf_counter() - started,
        model=lm,
    )


def solve_scip(
    model: pb.MPModelProto, time_limit: float, params: str = ""
) -> pb.MPSolutionResponse:
    """SCIP on `model` (its hint included), letting other Python threads run meanwhile.

    `Solver.SolveWithProto` holds Python's lock for the whole solve: two SCIP solves in
    two threads took as long as one after the other. `Solver.Solve` releases it (two 6.9 s
    solves of the tight expo's sparse support took 7.8 s in two threads), so the
    neighbourhood search can run one step per core. The model builder's helper would
    release it too, but passes an interrupt flag that SCIP refuses.

    Args:
        model: the 0/1 model.
        time_limit: seconds.
        params: SCIP's settings, one "name = value" per line.

    Returns:
        The response: status and, when SCIP found a solution, its values.
    """
    resp = pb.MPSolutionResponse()
    solver = pywraplp.Solver.CreateSolver("SCIP")
    error = solver.LoadModelFromProto(model)
    if error:
        log.warning("SCIP refused the model: %s", error)
        resp.status = pb.MPSOLVER_MODEL_INVALID
        return resp
    if params and not solver.SetSolverSpecificParametersAsString(params):
        resp.status = pb.MPSOLVER_MODEL_INVALID_SOLVER_PARAMETERS
        return resp
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    solver.Solve()
    solver.FillSolutionResponseProto(resp)
    return resp


@dataclass
class MipResult:
    """Variables at 1, objective value, and whether SCIP proved it optimal (restricted)."""

    ones: list[int]
    objective: float
    optimal: bool
    seconds: float


def solve_restricted_mip(
    hm: HardModel,
    keep: set[int],
    objective: dict[int, float],
    hint: list[int],
    time_limit: float,
    quick: bool = False,
) -> MipResult | None:
    """Solve the 0/1 model over `keep` only (others fixed to 0) with SCIP.

    The LP is nearly integral, so branch-and-bound on the LP's support closes the last
    gap fast: measured on the expo fair, 10k variables, 17,783 (of a 17,787 bound) in
    ~5 s where restricted CP-SAT stayed at 17,779-17,780.

    Args:
        hm: the hard model.
        keep: variables allowed to be 1.
        objective: coefficient per variable (missing: 0).
        hint: a valid schedule (variables at 1) to start from.
        time_limit: seconds.
        quick: SCIP with `SCIP_QUICK`'s settings (few rounds of cuts, a 0.01% gap):
            the search that follows does better with the seconds saved.

    Returns:
        The `MipResult`, or None when SCIP found nothing.
    """
    started = time.perf_counter()
    order = sorted(keep | hm.vars.forced)
    pos = {j: k for k, j in enumerate(order)}
    model = pb.MPModelProto(maximize=True)
    forced = hm.vars.forced
    for j in order:
        model.variable.add(
            lower_bound=1.0 if j in forced else 0.0,
            upper_bound=1.0,
            objective_coefficient=objective.get(j, 0.0),
            is_integer=True,
        )
    for row in hm.rows:
        if row.coefs is None:
            idx = [pos[j] for j in row.vars if j in pos]
            if not idx or (len(idx) <= row.ub and row.lb == -math.inf):
                continue
            coefs = [1.0] * len(idx)
        else:
            pairs = [(pos[j], a) for j, a in zip(row.vars, row.coefs, strict=True) if j in pos]
            if not pairs:
                continue
            idx, coefs = [k for k, _ in pairs], [a for _, a in pairs]
        ct = model.constraint.add(lower_bound=row.lb, upper_bound=row.ub)
        ct.var_index.extend(idx)
        ct.coefficient.extend(coefs)
    on = set(hint)
    model.solution_hint.var_index.extend(range(len(order)))
    model.solution_hint.var_value.extend([1.0 if j in on else 0.0 for j in order])
    resp = solve_scip(
        model,
        max(0.5, time_limit - (time.perf_counter() - started)),
        SCIP_QUICK if quick else "",
    )
    seconds = time.perf_counter() - started
    log.info(
        "restricted MIP (SCIP, %d variables): %s %.1f in %.2fs",
        len(order),
        pb.MPSolverResponseStatus.Name(resp.status),
        resp.objective_value,
        seconds,
    )
    if resp.status not in (pb.MPSOLVER_OPTIMAL, pb.MPSOLVER_FEASIBLE):
        return None
    ones = [j for j, x in zip(order, resp.variable_value, strict=True) if x > 0.5]
    return MipResult(ones, resp.objective_value, resp.status == pb.MPSOLVER_OPTIMAL, seconds)
