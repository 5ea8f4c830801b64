"""The CP-SAT model over a chosen subset of the variables, and running it.

`Restricted` turns the hard-model rows into CP-SAT constraints over only the variables we
keep (variables left out are fixed to 0, so every solution is still valid for the full
problem). Running it reports progress through a solution callback and honours a `stop()`
poll from another thread; the solver's log goes to the `logging` logger.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.model import HardModel

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, float]], None]
Stop = Callable[[], bool]


class Restricted:
    """CP-SAT model of the hard constraints over `keep` (a subset of variable indices)."""

    def __init__(self, hm: HardModel, keep: Iterable[int]):
        self.hm = hm
        self.model = cp_model.CpModel()
        self.keep = sorted(set(keep) | hm.vars.forced)
        self.x: dict[int, cp_model.IntVar] = {}
        # objective terms add auxiliary variables; each registers how to derive their
        # values from a schedule, so every hint is complete (CP-SAT then starts from it
        # at once instead of searching for a completion)
        self.aux_rules: list[Callable[[set[int]], Iterable[tuple[cp_model.IntVar, int]]]] = []
        v = hm.vars
        cat = v.catalog
        for j in self.keep:
            if j < v.n_cand:
                c = cat.candidates[j]
                name = f"x[{c.request},{c.start},{c.place}]"
            else:
                rid, start, ip, pid = v.third[j - v.n_cand]
                name = f"seat[{rid},{start},{'onsite' if ip else 'online'},{pid}]"
            self.x[j] = self.model.new_bool_var(name)
        for j in v.forced:
            self.model.add(self.x[j] == 1)
        for row in hm.rows:
            self._add_row(row.vars, row.coefs, row.lb, row.ub)

    def _add_row(self, vars_: list[int], coefs: list[float] | None, lb: float, ub: float) -> None:
        x = self.x
        if coefs is None:
            lits = [x[j] for j in vars_ if j in x]
            if len(lits) <= ub and lb == float("-inf"):
                return  # cannot bind
            if ub == 1 and lb == float("-inf"):
                self.model.add_at_most_one(lits)
            else:
                lo = int(lb) if lb != float("-inf") else -len(lits)
                self.model.add_linear_constraint(sum(lits), lo, int(ub))
            return
        terms = [(x[j], int(a)) for j, a in zip(vars_, coefs, strict=True) if j in x]
        lo = int(lb) if lb != float("-inf") else -(10**9)
        if not terms:
            if lo > 0 or ub < 0:
                self.model.add_bool_or([])  # an unsatisfiable row: infeasible
            return
        expr = cp_model.LinearExpr.weighted_sum([t for t, _ in terms], [a for _, a in terms])
        self.model.add_linear_constraint(expr, lo, int(ub))

    def weight_expr(self) -> cp_model.LinearExprT:
        """Total weight of the scheduled requests (level 1)."""
        v = self.hm.vars
        js = [j for j in self.keep if j < v.n_cand]
        return cp_model.LinearExpr.weighted_sum([self.x[j] for j in js], [v.weight(j) for j in js])

    def hint(self, chosen: Iterable[int]) -> None:
        """Hint a full assignment: `chosen` at 1, every other kept variable at 0."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        on = set(chosen)
        for j, var in self.x.items():
            self.model.add_hint(var, j in on)
        for rule in self.aux_rules:
            for var, value in rule(on):
                self.model.add_hint(var, value)

    def values(self, solver: cp_model.CpSolver) -> list[int]:
        """Kept variables at 1 in the solver's best solution."""
        return [j for j, var in self.x.items() if solver.boolean_value(var)]


@dataclass
class Run:
    """Outcome of one CP-SAT solve."""

    status: str  # "optimal", "feasible", "infeasible", "unknown"
    value: float
    bound: float
    seconds: float
    ones: list[int]
    stopped: bool


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, level: int, origin: float, deadline: float, progress: Progress | None):
        super().__init__()
        self.level = level
        self.origin = origin
        self.deadline = deadline
        self.progress = progress
        self.last = time.perf_counter()  # time of the latest improving solution

    def on_solution_callback(self) -> None:
        now = time.perf_counter()
        self.last = now
        if self.progress is None:
            return
        elapsed = now - self.origin
        self.progress(
            {
                "level": float(self.level),
                "value": self.objective_value,
                "bound": self.best_objective_bound,
                "elapsed": elapsed,
                "time_left": max(0.0, self.deadline - now),
            }
        )


def run(
    rm: Restricted,
    *,
    level: int,
    time_limit: float,
    workers: int,
    seed: int,
    progress: Progress | None = None,
    stop: Stop | None = None,
    log_search: bool = False,
    presolve_iterations: int | None = None,
    origin: float | None = None,
    deadline: float | None = None,
    patience: float | None = None,
) -> Run:
    """Solve `rm.model` (objective already set) once.

    Args:
        rm: the model.
        level: objective level, for progress reports.
        time_limit, workers, seed: CP-SAT parameters (recorded for reproducibility).
        progress: called with {level, value, bound, elapsed, time_left} on each solution.
        stop: polled every 0.1 s; returning True stops the search, keeping the best.
        log_search: send CP-SAT's search log to the logger.
        presolve_iterations: cap on presolve rounds (fewer rounds: earlier first solution).
        origin, deadline: `time.perf_counter()` values of the whole solve's start and end,
            so progress reports time since the solve started and time left in it.
        patience: stop when no better solution came for this many seconds.

    Returns:
        The `Run`.
    """
    solver = cp_model.CpSolver()
    _set_parameters(solver, time_limit, workers, seed, presolve_iterations, log_search)
    started = time.perf_counter()
    cb = _Callback(
        level,
        started if origin is None else origin,
        started + time_limit if deadline is None else deadline,
        progress,
    )
    status, stopped = _solve_watched(solver, rm.model, cb, stop, patience)
    seconds = time.perf_counter() - started
    name = {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
    }.get(status, "unknown")
    has = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    log.info(
        "level %d: %s value %s bound %s in %.2fs",
        level,
        name,
        solver.objective_value if has else None,
        solver.best_objective_bound if has else None,
        seconds,
    )
    return Run(
        status=name,
        value=solver.objective_value if has else 0.0,
        bound=solver.best_objective_bound if has else 0.0,
        seconds=seconds,
        ones=rm.values(solver) if has else [],
        stopped=stopped,
    )


def _set_parameters(
    solver: cp_model.CpSolver,
    time_limit: float,
    workers: int,
    seed: int,
    presolve_iterations: int | None,
    log_search: bool,
) -> None:
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, time_limit)
    p.num_workers = workers
    p.random_seed = seed
    if presolve_iterations is not None:
        p.max_presolve_iterations = presolve_iterations
    if log_search:
        p.log_search_progress = True
        p.log_to_stdout = False
        solver.log_callback = lambda line: log.info("cp-sat: %s", line)


def _solve_watched(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    cb: _Callback,
    stop: Stop | None,
    patience: float | None,
) -> tuple[cp_model.CpSolverStatus, bool]:
    """Solve, with a thread that polls `stop()` and watches for a stall every 0.1 s;
    returns CP-SAT's status and whether `stop()` ended the search."""
    stopped = threading.Event()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if stop is not None and stop():
                stopped.set()
                solver.stop_search()
                return
            if patience is not None and time.perf_counter() - cb.last > patience:
                # no improvement for a while: levels 2-4 rarely prove optimality, and
                # their last improvements come early; the time is better spent later
                solver.stop_search()
                return

    needs_watch = stop is not None or patience is not None
    watcher = threading.Thread(target=watch, daemon=True) if needs_watch else None
    if watcher is not None:
        watcher.start()
    try:
        status = solver.solve(model, cb)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    return status, stopped.is_set()
