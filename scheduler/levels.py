"""The lexicographic objective, one level at a time.

Level 1 (total weight) runs LP → rounding → restricted CP-SAT (see `scheduler.solve`).
Levels 2–4 share one CP-SAT model over a *neighbourhood* of the level-1 schedule (all
variables when the model is small; otherwise every candidate of a scheduled request on
the same day, plus the LP's and the previous version's variables). Each level adds its
objective, solves with every earlier level's value fixed as a constraint (value must
stay at least as good), and records a `LevelReport`. The objective terms themselves are
small builders in `scheduler.objectives`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.comfort import improve_comfort, total_cost
from scheduler.cpsat import Progress, Restricted, Run, Stop, run
from scheduler.fairness import serve_unserved
from scheduler.lns import Search
from scheduler.lp import (
    LpPair,
    LpResult,
    solve_lp_pair,
    solve_restricted_mip,
    sparse_point,
)
from scheduler.model import HardModel, Variables, decode, encode
from scheduler.objectives import (
    at_previous,
    changed_vars,
    disruption_term,
    edge_term,
    idle_term,
    min_meetings_term,
    none_term,
    participants,
    previous_vars,
)
from scheduler.problem import LevelReport, Options, Status
from scheduler.rounding import INTERIOR_SUPPORT, SUPPORT, round_lp, support

log = logging.getLogger(__name__)

FULL_MODEL_VARS = 40_000  # below this, levels 2–4 see every variable
PATIENCE_S = 2.0  # levels 2-4: give up after this long without improvement (or 10% of limit)
COLUMNS_SUPPORT = 0.1  # LP values kept for SCIP after column generation (PDLP only)
COLUMNS_LATER = 0.1  # share of the limit left to levels 2-3 after column generation
# level 1's search after a slow LP gets at least this share of the limit (tight expo at
# 60 s: the LP ends at ~14 s, and the neighbourhood search gains ~5 weight a second)
LATE_SEARCH = 0.5
LATE_LEFT = 0.8  # ...and at most this share of what is left then
SPARSE_S = 20.0  # PDLP's seconds for the sparse point (lp.sparse_point, up to its
# SPARSE_ITERATIONS) at most...
SPARSE_SHARE = 0.5  # ...and this share of level 1's time left
SPARSE_SUPPORT = 0.1  # its values SCIP keeps
SPARSE_SCIP = 0.75  # SCIP's share of what is left after it, the search has the rest
MIN_LEVEL_S = 1.0  # building a level's CP-SAT model takes about this long on a video fair


def _weight(v: Variables, ones: list[int]) -> int:
    return sum(v.weight(j) for j in ones)


def neighbourhood(v: Variables, best: list[int], extra: set[int]) -> set[int]:
    """Variables levels 2–4 may use: everything if small, else same-day alternatives."""
    if v.size <= FULL_MODEL_VARS:
        return set(range(v.size))
    cat = v.catalog
    day = [s.day for s in cat.problem.slots]
    keep = set(best) | extra
    for j in best:
        if j >= v.n_cand:
            continue
        c = cat.candidates[j]
        d = day[c.start]
        for i in cat.by_request[c.request]:
            if day[cat.candidates[i].start] == d:
                keep.add(i)
    # third-seat variables of every kept (request, start, mode)
    for j in list(keep):
        if j < v.n_cand:
            c = cat.candidates[j]
            keep.update(v.group_third.get((c.request, c.start, c.in_person), ()))
    return keep


# ---------------------------------------------------------------- the level runner


class Levels:
    """Runs the levels in turn, keeping the best schedule and a report per level."""

    def __init__(
        self,
        hm: HardModel,
        opts: Options,
        deadline: float,
        progress: Progress | None,
        stop: Stop | None,
    ):
        self.hm = hm
        self.v = hm.vars
        self.opts = opts
        self.deadline = deadline
        self.origin = time.perf_counter()
        self.cpsat_bound = math.inf  # CP-SAT's own level-1 bound, when it saw every variable
        self.progress = progress
        self.stop = stop
        self.best: list[int] = []
        self.reports: list[LevelReport] = []
        self.stopped = False
        self.failed = False
        self.lp_support: set[int] = set()
        self.rm: Restricted | None = None
        # the LP pair already solved by column generation (its bound is the full fair's)
        self.lp_pair: LpPair | None = None
        self._pair: LpPair | None = None  # the LP pair level 1 used
        self._bound = math.inf  # level 1's bound, for progress reports
        self._objectives: dict[bool, dict[int, float]] = {}  # `_objective1`'s, built once

    def left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def resolving(self) -> bool:
        """A re-solve against a published version (not gap-fill)."""
        o = self.opts
        return bool(self.v.catalog.problem.previous) and o.levels >= 4 and not o.gap_fill

    def _stop_now(self) -> bool:
        return self.stop is not None and self.stop()

    def status(self) -> Status:
        if self.failed:
            return Status.INFEASIBLE
        if self.stopped:
            return Status.STOPPED
        first = self.reports[0].status if self.reports else Status.SKIPPED
        return Status.OPTIMAL if first is Status.OPTIMAL else Status.FEASIBLE

    def _run(self, rm: Restricted, level: int, limit: float) -> Run:
        # level 1 is proven by its bound; later levels stop after a stall (see cpsat.run)
        patience = None if level == 1 else max(PATIENCE_S, 0.1 * self.opts.time_limit)
        r = run(
            rm,
            level=level,
            time_limit=limit,
            workers=self.opts.workers,
            seed=self.opts.seed,
            progress=self.progress,
            stop=self.stop,
            log_search=self.opts.log,
            presolve_iterations=1,
            origin=self.origin,
            deadline=self.deadline,
            patience=patience,
        )
        self.stopped = self.stopped or r.stopped
        return r

    # level 1 ------------------------------------------------------------------------

    def level1(self, base: list[int]) -> None:
        """Maximise total weight: LP bound, LP rounding, then restricted CP-SAT."""
        started = time.perf_counter()
        v = self.v
        self.best = base
        if self._stop_now():
            self.stopped = True
            self.reports.append(
                LevelReport(1, "total weight", _weight(v, base), math.inf, Status.STOPPED, 0.0)
            )
            return
        resolve = self.resolving()
        # a re-solve takes the first solve's LP path at any limit: the repaired published
        # grid stays the start and moves are priced, but the LP gives the bound and the
        # support the restricted MIP searches (skipping it left greedy's weight unbounded)
        bound, extra, have_lp = self._lp_level1(resolve)
        value = _weight(v, self.best)
        log.info(
            "level 1: greedy %d, best rounding %d, LP bound %s", _weight(v, base), value, bound
        )
        if value >= bound:
            self.reports.append(
                LevelReport(
                    1, "total weight", value, bound, Status.OPTIMAL, time.perf_counter() - started
                )
            )
            return
        value, bound, status = self._search_level1(base, value, bound, extra, have_lp, resolve)
        if self.stopped:
            st = Status.STOPPED
        elif status == "infeasible":
            self.failed = True
            st = Status.INFEASIBLE
        else:
            st = Status.OPTIMAL if value >= bound else Status.FEASIBLE
        self.reports.append(
            LevelReport(1, "total weight", value, bound, st, time.perf_counter() - started)
        )

    def _lp_level1(self, resolve: bool) -> tuple[float, set[int], bool]:
        """Solve the LP pair, keep a better rounding as the best (not on a re-solve) and
        the LP's support for the restricted models; returns the bound, the variables of
        the roundings and whether the search has an LP to start from."""
        v = self.v
        pair = self.lp_pair or solve_lp_pair(self.hm, self.left() * 0.5)
        self._pair = pair
        bound = math.floor(pair.bound + 1e-6) if math.isfinite(pair.bound) else math.inf
        extra: set[int] = set()
        for lp, threshold in ((pair.vertex, SUPPORT), (pair.interior, INTERIOR_SUPPORT)):
            if lp is None or self._sparse_optimum() is not None:
                # the sparse path rounds its own point (and this optimum if PDLP gives
                # none): rounding the spread optimum first cost ~1 s of its search
                continue
            rounded = encode(v, round_lp(v, lp.values))
            extra |= set(rounded)
            # on a re-solve the repaired published grid stays the starting point: a
            # rounding with a little more weight may move hundreds of meetings
            if _weight(v, rounded) > _weight(v, self.best) and not resolve:
                self.best = rounded
            if pair.vertex is None:
                # no basic solution: keep the interior one's spread, but on column
                # generation's large models (PDLP converged) values above 0.02 made
                # 340k variables, too many for SCIP in a minute on the mega fair
                threshold = COLUMNS_SUPPORT if self.lp_pair is not None else SUPPORT
            self.lp_support |= support(v, lp.values, threshold)
        have_lp = pair.vertex is not None or pair.interior is not None
        return bound, extra, have_lp

    def _budget_level1(self) -> float:
        """When level 1 must stop (a `time.perf_counter()` value)."""
        # level 1 may use the whole limit when it runs alone, else up to 45% of it from
        # the start of the solve: comfort needs time too, and the last 0.05% of weight
        # is worth less than half the idle gaps
        budget = self.deadline
        if self.opts.levels > 1 and self.lp_pair is not None:
            # column generation already took most of the limit: the search gets all but
            # the share fairness and comfort need
            return max(time.perf_counter(), self.deadline - COLUMNS_LATER * self.opts.time_limit)
        if self.opts.levels > 1:
            budget = min(budget, self.deadline - 0.55 * self.opts.time_limit)
            # ...but never less than LATE_SEARCH of the limit after a slow LP (tight fairs)
            budget = max(
                budget,
                time.perf_counter()
                + min(LATE_SEARCH * self.opts.time_limit, self.left() * LATE_LEFT),
            )
        return budget

    def _search_level1(
        self,
        base: list[int],
        value: int,
        bound: float,
        extra: set[int],
        have_lp: bool,
        resolve: bool,
    ) -> tuple[int, float, str]:
        """Improve on the LP's rounding with SCIP on its support, then (small models) with
        CP-SAT over every variable; returns the value, the bound and CP-SAT's status."""
        v = self.v
        budget = self._budget_level1()
        pair = self._pair
        interior = pair.interior if pair is not None and pair.vertex is None else None
        large_interior = interior is not None and v.size > FULL_MODEL_VARS
        optimum = self._sparse_optimum()
        if have_lp and (self.lp_pair is not None or (large_interior and optimum is None)):
            # PDLP's interior solution spreads over the optimal face: SCIP found nothing
            # better than its rounding in a minute on column generation's support
            # (124k-340k variables) nor in 6-19 s on the tight expo's values above 0.25
            # (26k variables; docs/scheduler.md); neighbourhoods of a few hundred
            # requests instead, from the start of the search
            value = self._lns_level1(value, resolve, budget, bound)
            self._report_progress(value, bound)
            return value, bound, "feasible"
        if optimum is not None:
            value = self._sparse_level1(optimum, resolve, budget)
            self._report_progress(value, bound)
            if value < bound and not self.stopped:
                value = self._lns_level1(value, resolve, budget, bound)
                self._report_progress(value, bound)
            return value, bound, "feasible"
        # first the variables the LP uses; then, on small models, everything (CP-SAT's own
        # bound is then valid for the whole problem and can close the LP's gap)
        passes = [False] if not have_lp else [False, True]
        if v.size > FULL_MODEL_VARS:
            passes = [False]
        full = not have_lp
        status = "feasible"
        for full_pass in passes:
            full = full or full_pass
            keep = (set(range(v.size)) if full else self.lp_support) | set(base)
            keep |= set(self.best) | previous_vars(v) | extra
            if resolve:
                keep |= changed_vars(v, self.best)
            limit = max(0.0, budget - time.perf_counter())
            if not full and (len(passes) > 1 or v.size > FULL_MODEL_VARS):
                # half for SCIP; the rest for CP-SAT (small models) or the
                # neighbourhood search (large ones)
                limit = min(limit, max(1.0, limit / 2))
            if self._stop_now():
                self.stopped = True
                break
            if full:
                ones, status = self._cpsat_level1(keep, bound, resolve, limit)
                bound = min(bound, self.cpsat_bound)
            else:
                ones = self._mip_level1(keep, resolve, limit)
            if ones and (
                _weight(v, ones) > value
                if not resolve
                else self._score(ones) > self._score(self.best)
            ):
                self.best = ones
                value = _weight(v, ones)
            self._report_progress(value, bound)
            if value >= bound or self.stopped:
                break
        if have_lp and v.size > FULL_MODEL_VARS and value < bound and not self.stopped:
            # large one-model fairs (the tight expo): SCIP on the support first, then
            # neighbourhoods with whatever time is left
            value = self._lns_level1(value, resolve, budget, bound)
            self._report_progress(value, bound)
        return value, bound, status

    def _sparse_optimum(self) -> LpResult | None:
        """PDLP's optimum, when it is level 1's only LP on one large model (the tight
        expo): the search then starts from SCIP on the support of a perturbed, sparse
        point near it (`_sparse_level1`)."""
        pair = self._pair
        if pair is None or pair.vertex is not None or self.lp_pair is not None:
            return None
        interior = pair.interior
        if interior is None or not interior.optimal or self.v.size <= FULL_MODEL_VARS:
            return None
        return interior

    def _sparse_level1(self, optimum: LpResult, resolve: bool, budget: float) -> int:
        """SCIP on the support of a sparse point near the LP's optimal face
        (`lp.sparse_point`, from PDLP's optimum), hinted with that point's rounding; keeps
        whichever of the two is better than the best so far. Returns the level-1 weight.

        Only the point's own variables are kept: with greedy's and the spread optimum's
        rounding added (24-34k variables) SCIP found nothing in 13-14 s on the tight expo."""
        v = self.v
        began = time.perf_counter()
        took = min(SPARSE_S, max(1.0, (budget - began) * SPARSE_SHARE))
        # the optimum is `solve_lp_pair`'s, which keeps the LP it solved
        assert self._pair is not None and self._pair.model is not None
        values = sparse_point(self._pair.model, optimum, took, seed=self.opts.seed)
        pointed = time.perf_counter()
        rounded = encode(v, round_lp(v, values))
        keep = support(v, values, SPARSE_SUPPORT) | set(rounded) | previous_vars(v)
        if resolve:
            keep |= changed_vars(v, rounded)
        limit = max(1.0, (budget - time.perf_counter()) * SPARSE_SCIP)
        mip = solve_restricted_mip(
            self.hm, keep, self._objective1(resolve), rounded, limit, quick=True
        )
        log.info(
            "level 1: sparse point in %.1fs, %d variables kept, rounding %d, SCIP %s in %.1fs",
            pointed - began,
            len(keep),
            _weight(v, rounded),
            _weight(v, mip.ones) if mip is not None else None,
            time.perf_counter() - pointed,
        )
        for ones in (rounded, mip.ones if mip is not None else []):
            if ones and self._improves(ones, resolve):
                self.best = ones
        return _weight(v, self.best)

    def _improves(self, ones: list[int], resolve: bool) -> bool:
        """`ones` is better than the best schedule so far at level 1 (on a re-solve by the
        re-solve's objective, moves priced; else by weight)."""
        if resolve:
            return self._score(ones) > self._score(self.best)
        return _weight(self.v, ones) > _weight(self.v, self.best)

    def _lns_level1(self, value: int, resolve: bool, budget: float, bound: float) -> int:
        """Large-neighbourhood search from the best schedule until `budget`
        (`scheduler.lns`), reporting progress on every improving step; returns the
        level-1 weight reached."""
        if budget - time.perf_counter() < 1.0 or self._stop_now():
            return value
        self._bound = bound
        pair = self.lp_pair or self._pair
        lp = None if pair is None else (pair.vertex or pair.interior)
        search = Search(
            self.hm,
            self.best,
            self._objective1(resolve),
            lp.values if lp is not None else None,
            seed=self.opts.seed,
        )
        ones = search.run(
            budget,
            stop=self.stop,
            improved=lambda got: self._report_progress(_weight(self.v, got), self._bound),
            workers=max(1, self.opts.workers),
        )
        self.stopped = self.stopped or search.stopped
        if self._improves(ones, resolve):
            self.best = ones
        return _weight(self.v, self.best)

    def _report_progress(self, value: float, bound: float) -> None:
        if self.progress is not None:
            now = time.perf_counter()
            self.progress(
                {
                    "level": 1.0,
                    "value": float(value),
                    "bound": float(bound),
                    "elapsed": now - self.origin,
                    "time_left": max(0.0, self.deadline - now),
                }
            )

    def _objective1(self, resolve: bool) -> dict[int, float]:
        """Level-1 coefficients; on a re-solve, weight first then staying put. Built
        once (0.4 s on the tight expo) and shared: callers only read it."""
        if resolve in self._objectives:
            return self._objectives[resolve]
        v = self.v
        if not resolve:
            coef = {j: float(v.weight(j)) for j in range(v.n_cand)}
        else:
            scale = float(len(v.catalog.problem.previous) + 1)
            stay = scale * self.opts.move_cost + 1.0
            coef = {j: scale * v.weight(j) for j in range(v.n_cand)}
            for j in previous_vars(v):
                if j < v.n_cand and at_previous(v, [j]):
                    coef[j] += stay
        self._objectives[resolve] = coef
        return coef

    def _score(self, ones: list[int]) -> float:
        """The re-solve's level-1 objective of a schedule (weight less move costs)."""
        coef = self._objective1(True)
        return sum(coef.get(j, 0.0) for j in ones)

    def _mip_level1(self, keep: set[int], resolve: bool, limit: float) -> list[int]:
        """SCIP on the LP's support: the LP is nearly integral, so this closes fast."""
        mip = solve_restricted_mip(self.hm, keep, self._objective1(resolve), self.best, limit)
        return mip.ones if mip is not None else []

    def _cpsat_level1(
        self, keep: set[int], bound: float, resolve: bool, limit: float
    ) -> tuple[list[int], str]:
        """CP-SAT over `keep` (all variables on small models: its bound is then global)."""
        v = self.v
        rm = Restricted(self.hm, keep)
        w = rm.weight_expr()
        if resolve:
            # weight first, then fewest moves, in one model: every unit of weight
            # outweighs moving every published meeting
            moves = disruption_term(rm)
            scale = len(v.catalog.problem.previous) + 1
            stay = scale * self.opts.move_cost + 1
            rm.model.maximize(cp_model.LinearExpr.weighted_sum([w, moves], [scale, -stay]))
        else:
            rm.model.maximize(w)
        if math.isfinite(bound):
            rm.model.add(w <= int(bound))
        rm.hint(self.best)
        r = self._run(rm, 1, limit)
        if r.status in ("optimal", "feasible") and len(keep) >= v.size:
            self.cpsat_bound = math.floor(r.bound + 1e-6) if not resolve else math.inf
        return r.ones, r.status

    # levels 2–4 ---------------------------------------------------------------------

    def _model(self) -> Restricted:
        if self.rm is None:
            keep = neighbourhood(self.v, self.best, self.lp_support | previous_vars(self.v))
            self.rm = Restricted(self.hm, keep)
            w = self.rm.weight_expr()
            self.rm.model.add(w >= _weight(self.v, self.best))
            log.info("levels 2+: %d of %d variables", len(keep), self.v.size)
        return self.rm

    def _level(
        self,
        level: int,
        name: str,
        expr: cp_model.LinearExprT,
        maximise: bool,
        share: float,
        evaluate: Callable[[list[int]], int],
        started: float | None = None,
    ) -> None:
        """Optimise `expr` with earlier levels fixed; then fix this level's value.

        When CP-SAT finds nothing in time the schedule so far is kept, its value
        (from `evaluate`) is reported and fixed, so later levels cannot undo it.
        """
        started = time.perf_counter() if started is None else started
        rm = self._model()
        if maximise:
            rm.model.maximize(expr)
        else:
            rm.model.minimize(expr)
        rm.hint(self.best)
        r = self._run(rm, level, self.left() * share)
        if r.ones:
            self.best = r.ones
        seconds = time.perf_counter() - started
        found = r.status in ("optimal", "feasible")
        value = round(r.value) if found else evaluate(self.best)
        if self.stopped:
            st = Status.STOPPED
        elif r.status == "optimal":
            st = Status.OPTIMAL
        else:
            st = Status.FEASIBLE if found else Status.TIMEOUT
        bound = r.bound if found else math.nan
        rm.model.add(expr >= value if maximise else expr <= value)
        self.reports.append(LevelReport(level, name, float(value), bound, st, seconds))

    def _accept_level1_gain(self, ones: list[int]) -> None:
        """Take a schedule of at least the level-1 weight; update level 1's report."""
        gained = _weight(self.v, ones) - _weight(self.v, self.best)
        if gained < 0:
            return
        self.best = ones
        if gained and self.reports and self.reports[0].level == 1:
            r = self.reports[0]
            value = r.value + gained
            st = Status.OPTIMAL if value >= r.bound and r.status is Status.FEASIBLE else r.status
            self.reports[0] = LevelReport(1, r.name, value, r.bound, st, r.seconds)

    def fairness(self) -> None:
        """Level 2: fewest participants with none, then the highest minimum."""
        v = self.v
        people = participants(v)

        def count_none(ones: list[int]) -> int:
            served = {p for j in ones if j < v.n_cand for p in v.people(j)}
            return len(people - served)

        if v.size > FULL_MODEL_VARS or self.left() < MIN_LEVEL_S:
            # measured: on expo-sized models this CP-SAT model finds nothing better than
            # its hint in the time it gets; a local search inserts or swaps instead
            started = time.perf_counter()
            if v.size > FULL_MODEL_VARS:
                frozen = at_previous(v, self.best) if v.catalog.problem.previous else set()
                limit = min(5.0, 0.15 * self.left())
                chosen = serve_unserved(v.catalog, decode(v, self.best), started + limit, frozen)
                self._accept_level1_gain(encode(v, chosen))
            self.reports.append(
                LevelReport(
                    2,
                    "participants with no meeting",
                    float(count_none(self.best)),
                    0.0,
                    Status.FEASIBLE if v.size > FULL_MODEL_VARS else Status.TIMEOUT,
                    time.perf_counter() - started,
                )
            )
            return
        rm = self._model()
        none, has = none_term(rm, people)

        self._level(2, "participants with no meeting", none, False, 0.15, count_none)
        if not self.stopped and self.left() >= MIN_LEVEL_S:
            term = min_meetings_term(rm, has)
            rule = rm.aux_rules[-1]

            def staircase(ones: list[int]) -> int:
                return sum(value for _, value in rule(set(ones)))

            self._level(2, "minimum meetings per served participant", term, True, 0.3, staircase)

    def comfort(self) -> None:
        """Level 3: fewer idle slots between meetings and fewer edge-of-day meetings.

        Local search first (keeps levels 1, 2 and 4 exactly); CP-SAT polishes small models.
        """
        started = time.perf_counter()
        cat = self.v.catalog
        frozen = at_previous(self.v, self.best) if cat.problem.previous else set()
        small = self.v.size <= FULL_MODEL_VARS
        chosen = improve_comfort(
            cat, decode(self.v, self.best), started + self.left() * (0.5 if small else 0.9), frozen
        )
        self.best = encode(self.v, chosen)

        def cost(ones: list[int]) -> int:
            return total_cost(cat, decode(self.v, ones))

        if not small or self.stopped or self.left() < MIN_LEVEL_S:
            value = cost(self.best)
            self.reports.append(
                LevelReport(
                    3,
                    "idle slots + edge-of-day meetings",
                    float(value),
                    0.0,
                    Status.STOPPED if self.stopped else Status.FEASIBLE,
                    time.perf_counter() - started,
                )
            )
            return
        rm = self._model()
        self._level(
            3,
            "idle slots + edge-of-day meetings",
            idle_term(rm) + edge_term(rm),
            False,
            0.9,
            cost,
            started,
        )

    def disruption(self) -> None:
        """Level 4: fewest published meetings moved or cancelled."""
        v = self.v
        started = time.perf_counter()

        def moved(ones: list[int]) -> int:
            cat = v.catalog
            alive = sum(1 for rid in cat.problem.previous if rid in cat.requests)
            return alive - len(at_previous(v, ones))

        if v.size > FULL_MODEL_VARS or self.left() < MIN_LEVEL_S:
            # level 1 already minimised moves as its secondary term on the same variables
            self.reports.append(
                LevelReport(
                    4,
                    "moved or cancelled meetings",
                    float(moved(self.best)),
                    0.0,
                    Status.FEASIBLE,
                    time.perf_counter() - started,
                )
            )
            return
        rm = self._model()
        self._level(
            4, "moved or cancelled meetings", disruption_term(rm), False, 0.5, moved, started
        )
