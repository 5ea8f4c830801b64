"""The lexicographic objective, one level at a time.

Level 1 (total weight) runs LP → rounding → restricted CP-SAT (see `scheduler.solve`).
Levels 2–4 share one CP-SAT model over a *neighbourhood* of the level-1 schedule (all
variables when the model is small; otherwise every candidate of a scheduled request on
the same day, plus the LP's and the previous version's variables). Each level adds its
objective, solves with every earlier level's value fixed as a constraint (value must
stay at least as good), and records a `LevelReport`. Each objective term is built by one
small function that returns the CP-SAT expression of its contribution.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from scheduler.comfort import improve_comfort, total_cost
from scheduler.cpsat import Progress, Restricted, Run, Stop, run
from scheduler.lp import LpPair, solve_lp_pair
from scheduler.model import HardModel, Variables, decode, encode
from scheduler.problem import LevelReport, Options, PlaceKind, Status
from scheduler.rounding import INTERIOR_SUPPORT, SUPPORT, round_lp, support

log = logging.getLogger(__name__)

FULL_MODEL_VARS = 40_000  # below this, levels 2–4 see every variable
DAY_START, DAY_END = clock(9, 0), clock(18, 0)  # a person's comfortable local day
MAX_MIN_MEETINGS = 8  # cap of the "minimum meetings per participant" staircase


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


# ---------------------------------------------------------------- objective terms


def person_vars(rm: Restricted) -> dict[str, list[int]]:
    """Person → kept variables seating them (attendee or third seat)."""
    out: defaultdict[str, list[int]] = defaultdict(list)
    for j in rm.x:
        for pid in rm.hm.vars.people(j):
            out[pid].append(j)
    return out


def participants(v: Variables) -> set[str]:
    """Attendees (not third seats) of requests that have at least one candidate."""
    cat = v.catalog
    return {p for rid, idx in cat.by_request.items() if idx for p in cat.requests[rid].people}


def none_term(
    rm: Restricted, people: set[str]
) -> tuple[cp_model.LinearExpr, dict[str, cp_model.IntVar]]:
    """Number of participants with no meeting (level 2a), and their `has` literals."""
    pv = person_vars(rm)
    has: dict[str, cp_model.IntVar] = {}
    for pid in sorted(people):
        lits = [rm.x[j] for j in pv.get(pid, []) if j < rm.hm.vars.n_cand]
        h = rm.model.new_bool_var(f"has[{pid}]")
        if lits:
            rm.model.add(h <= sum(lits))
        else:
            rm.model.add(h == 0)
        has[pid] = h
    cand_vars = {pid: [j for j in pv.get(pid, []) if j < rm.hm.vars.n_cand] for pid in has}

    def rule(on: set[int]) -> list[tuple[cp_model.IntVar, int]]:
        return [(h, int(any(j in on for j in cand_vars[pid]))) for pid, h in has.items()]

    rm.aux_rules.append(rule)
    return len(has) - cp_model.LinearExpr.sum(list(has.values())), has


def min_meetings_term(rm: Restricted, has: dict[str, cp_model.IntVar]) -> cp_model.LinearExpr:
    """Fewest meetings of a served participant, capped by what each could have (2b).

    m = Σ g_k; g_k says "every served participant who could have k meetings has ≥ k".
    """
    v = rm.hm.vars
    pv = person_vars(rm)
    demand: dict[str, int] = {}
    for pid in has:
        reqs = {v.catalog.candidates[j].request for j in pv.get(pid, []) if j < v.n_cand}
        cap = v.catalog.problem.people[pid].max_total
        demand[pid] = min(len(reqs), cap if cap is not None else len(reqs))
    top = min(MAX_MIN_MEETINGS, max(demand.values(), default=0))
    gs = [rm.model.new_bool_var(f"min_meetings>={k}") for k in range(1, top + 1)]
    for a, b in itertools.pairwise(gs):
        rm.model.add_implication(b, a)
    mine = {pid: [j for j in pv.get(pid, []) if j < v.n_cand] for pid in has}
    for pid, h in has.items():
        count = cp_model.LinearExpr.sum([rm.x[j] for j in mine[pid]])
        for k, g in enumerate(gs, start=1):
            if demand[pid] >= k:
                rm.model.add(count + k * (1 - h) >= k * g)

    def rule(on: set[int]) -> list[tuple[cp_model.IntVar, int]]:
        counts = {pid: sum(1 for j in js if j in on) for pid, js in mine.items()}
        out = []
        for k, g in enumerate(gs, start=1):
            ok = all(c >= k for pid, c in counts.items() if c > 0 and demand[pid] >= k)
            out.append((g, int(ok)))
        return out

    rm.aux_rules.append(rule)
    return cp_model.LinearExpr.sum(gs)


def _is_edge(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    lo = start.astimezone(zone)
    hi = end.astimezone(zone)
    return lo.time() < DAY_START or hi.time() > DAY_END or hi.date() != lo.date()


def edge_term(rm: Restricted) -> cp_model.LinearExpr:
    """Attendee-meetings before 09:00 or after 18:00 in the attendee's own time zone."""
    v = rm.hm.vars
    problem = v.catalog.problem
    zones: dict[str, ZoneInfo] = {}
    coef: list[tuple[cp_model.IntVar, int]] = []
    for j, var in rm.x.items():
        if j < v.n_cand:
            c = v.catalog.candidates[j]
            start, length = c.start, c.length
        else:
            _, start, _, _ = v.third[j - v.n_cand]
            length = v.catalog.requests[v.third[j - v.n_cand][0]].length
        s0, s1 = problem.slots[start], problem.slots[start + length - 1]
        n = 0
        for pid in v.people(j):
            tz = problem.people[pid].timezone
            zone = zones.setdefault(tz, ZoneInfo(tz))
            n += _is_edge(s0.start, s1.end, zone)
        if n:
            coef.append((var, n))
    return cp_model.LinearExpr.weighted_sum([a for a, _ in coef], [b for _, b in coef])


def idle_term(rm: Restricted) -> cp_model.LinearExpr:
    """Idle slots between a person's first and last meeting of each day.

    before[t] ≥ any meeting at or before t, after[t] ≥ any at or after t; a slot is idle
    when both hold and the person is free. Minimising lets before/after drop to exactly
    "has a meeting before/after", so the sum is the idle span.
    """
    v = rm.hm.vars
    slots = v.catalog.problem.slots
    occ: defaultdict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for pid_slot, idx in rm.hm.by_person_slot.items():
        lits = [rm.x[j] for j in idx if j in rm.x]
        if lits:
            occ[pid_slot] = lits
    by_person_day: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    for pid, t in occ:
        by_person_day[(pid, slots[t].day)].append(t)
    m = rm.model
    idle: list[cp_model.IntVar] = []
    hints: list[
        tuple[
            list[int],
            dict[int, list[int]],
            dict[int, cp_model.IntVar],
            dict[int, cp_model.IntVar],
            dict[int, cp_model.IntVar],
        ]
    ] = []
    for (pid, _day), ts in by_person_day.items():
        ts.sort()
        if len(ts) < 3 and (len(ts) < 2 or ts[-1] - ts[0] < 2):
            continue
        span = range(ts[0], ts[-1] + 1)
        o = {t: sum(occ[(pid, t)]) if (pid, t) in occ else 0 for t in span}
        before = {t: m.new_bool_var(f"before[{pid},{t}]") for t in span}
        after = {t: m.new_bool_var(f"after[{pid},{t}]") for t in span}
        for t in span:
            if t > span.start:
                m.add_implication(before[t - 1], before[t])
            if t < span.stop - 1:
                m.add_implication(after[t + 1], after[t])
            if (pid, t) in occ:
                m.add(before[t] >= o[t])
                m.add(after[t] >= o[t])
        idle_at: dict[int, cp_model.IntVar] = {}
        for t in span[1:-1]:
            i = m.new_bool_var(f"idle[{pid},{t}]")
            m.add(i >= before[t] + after[t] - 1 - o[t])
            idle.append(i)
            idle_at[t] = i
        occ_idx = {t: [j for j in rm.hm.by_person_slot[(pid, t)] if j in rm.x] for t in ts}
        hints.append((list(span), occ_idx, before, after, idle_at))

    def rule(on: set[int]) -> list[tuple[cp_model.IntVar, int]]:
        out: list[tuple[cp_model.IntVar, int]] = []
        for span_, occ_idx, before, after, idle_at in hints:
            busy = {t for t, js in occ_idx.items() if any(j in on for j in js)}
            lo, hi = (min(busy), max(busy)) if busy else (span_[-1] + 1, span_[0] - 1)
            for t in span_:
                out.append((before[t], int(t >= lo)))
                out.append((after[t], int(t <= hi)))
                if t in idle_at:
                    out.append((idle_at[t], int(lo < t < hi and t not in busy)))
        return out

    rm.aux_rules.append(rule)
    return cp_model.LinearExpr.sum(idle)


def disruption_term(rm: Restricted) -> cp_model.LinearExpr:
    """Published meetings that are moved or cancelled (a still-existing request only)."""
    v = rm.hm.vars
    cat = v.catalog
    count = 0
    kept: list[cp_model.IntVar] = []
    for rid, a in cat.problem.previous.items():
        if rid not in cat.requests:
            continue
        idx = [
            i
            for i in cat.by_request.get(rid, [])
            if cat.candidates[i].start == a.start
            and cat.candidates[i].kind is a.kind
            and (a.kind.value != "booth" or cat.candidates[i].place == a.place_id)
            and (
                a.kind.value != "table" or cat.candidates[i].place == cat.table_pool.get(a.place_id)
            )
        ]
        lits = [rm.x[i] for i in idx if i in rm.x]
        count += 1
        kept.extend(lits)  # at most one of a request's candidates is chosen
    return count - cp_model.LinearExpr.sum(kept)


def at_previous(v: Variables, ones: list[int]) -> set[str]:
    """Requests whose meeting in `ones` is where the published version had it."""
    cat = v.catalog
    out = set()
    for j in ones:
        if j >= v.n_cand:
            continue
        c = cat.candidates[j]
        a = cat.problem.previous.get(c.request)
        if a is None or a.start != c.start or a.kind is not c.kind:
            continue
        if a.kind is PlaceKind.ONLINE or c.place in (a.place_id, cat.table_pool.get(a.place_id)):
            out.add(c.request)
    return out


def changed_vars(v: Variables, ones: list[int]) -> set[int]:
    """All candidates of published requests that lost their published meeting.

    (Requests the repair could not place were already tried by its greedy pass; widening
    to all their candidates made the expo re-solve model 300k variables.)
    """
    cat = v.catalog
    keep = at_previous(v, ones)
    out: set[int] = set()
    for rid in cat.problem.previous:
        if rid in keep or rid not in cat.requests:
            continue
        for i in cat.by_request.get(rid, []):
            out.add(i)
            c = cat.candidates[i]
            out.update(v.group_third.get((rid, c.start, c.in_person), ()))
    return out


def previous_vars(v: Variables) -> set[int]:
    """Variables of the published schedule (kept in every restricted model)."""
    cat = v.catalog
    out: set[int] = set()
    for rid, a in cat.problem.previous.items():
        for i in cat.by_request.get(rid, []):
            c = cat.candidates[i]
            if c.start == a.start and c.kind is a.kind:
                out.add(i)
                out.update(v.group_third.get((rid, c.start, c.in_person), ()))
    return out


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
        self.progress = progress
        self.stop = stop
        self.best: list[int] = []
        self.reports: list[LevelReport] = []
        self.stopped = False
        self.failed = False
        self.lp_support: set[int] = set()
        self.rm: Restricted | None = None

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
        big = v.size > FULL_MODEL_VARS
        # a quick re-solve of a large fair skips the LP (8-13 s at expo scale) and
        # repairs the published grid instead; its bound is then unknown
        skip_lp = resolve and big and self.left() < 30
        pair = (
            LpPair(math.inf, None, None, 0.0)
            if skip_lp
            else solve_lp_pair(self.hm, self.left() * (0.65 if big else 0.5))
        )
        bound = math.floor(pair.bound + 1e-6) if math.isfinite(pair.bound) else math.inf
        extra: set[int] = set()
        for lp, threshold in ((pair.vertex, SUPPORT), (pair.interior, INTERIOR_SUPPORT)):
            if lp is None:
                continue
            rounded = encode(v, round_lp(v, lp.values))
            extra |= set(rounded)
            # on a re-solve the repaired published grid stays the starting point: a
            # rounding with a little more weight may move hundreds of meetings
            if _weight(v, rounded) > _weight(v, self.best) and not resolve:
                self.best = rounded
            if pair.vertex is None:
                threshold = SUPPORT  # no basic solution: keep the interior one's spread
            self.lp_support |= support(v, lp.values, threshold)
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
        have_lp = pair.vertex is not None or pair.interior is not None or skip_lp
        # level 1 may use the whole limit when it runs alone, else up to 45% of it from
        # the start of the solve: comfort needs time too, and the last 0.05% of weight
        # is worth less than half the idle gaps
        budget = self.deadline
        if self.opts.levels > 1:
            budget = min(budget, self.deadline - 0.55 * self.opts.time_limit)
            # ...but never less than a fifth of the limit after a slow LP (tight fairs)
            budget = max(
                budget, time.perf_counter() + min(0.2 * self.opts.time_limit, self.left() * 0.5)
            )
        # first the variables the LP uses; then, on small models, everything (CP-SAT's own
        # bound is then valid for the whole problem and can close the LP's gap)
        passes = [False] if not have_lp else [False, True]
        if v.size > FULL_MODEL_VARS:
            passes = [False]
        r = None
        full = not have_lp
        for full_pass in passes:
            full = full or full_pass
            keep = (set(range(v.size)) if full else self.lp_support) | set(base)
            keep |= set(self.best) | previous_vars(v) | extra
            if resolve:
                keep |= changed_vars(v, self.best)
            rm = Restricted(self.hm, keep)
            w = rm.weight_expr()
            if resolve:
                # weight first, then fewest moves, in one model: every unit of weight
                # outweighs moving every published meeting
                moves = disruption_term(rm)
                scale = len(v.catalog.problem.previous) + 1
                rm.model.maximize(cp_model.LinearExpr.weighted_sum([w, moves], [scale, -1]))
            else:
                rm.model.maximize(w)
            if math.isfinite(bound):
                rm.model.add(w <= int(bound))
            rm.hint(self.best)
            limit = max(0.0, budget - time.perf_counter())
            if not full and len(passes) > 1:
                limit = min(limit, max(1.0, limit / 2))
            r = self._run(rm, 1, limit)
            if r.status == "infeasible" and full:
                self.failed = True
            if r.ones and (_weight(v, r.ones) > value or (resolve and _weight(v, r.ones) >= value)):
                self.best = r.ones
                value = _weight(v, r.ones)
            if full and r.status in ("optimal", "feasible"):
                bound = min(bound, math.floor(r.bound + 1e-6))
            if value >= bound or self.stopped:
                break
        assert r is not None
        if self.stopped:
            st = Status.STOPPED
        elif r.status == "infeasible":
            st = Status.INFEASIBLE
        else:
            st = Status.OPTIMAL if value >= bound else Status.FEASIBLE
        self.reports.append(
            LevelReport(1, "total weight", value, bound, st, time.perf_counter() - started)
        )

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

    def fairness(self) -> None:
        """Level 2: fewest participants with none, then the highest minimum."""
        v = self.v
        people = participants(v)

        def count_none(ones: list[int]) -> int:
            served = {p for j in ones if j < v.n_cand for p in v.people(j)}
            return len(people - served)

        if v.size > FULL_MODEL_VARS:
            # measured: on expo-sized models this CP-SAT model finds nothing better than
            # its hint in the time it gets; report the level-1 schedule's value instead
            self.reports.append(
                LevelReport(
                    2,
                    "participants with no meeting",
                    float(count_none(self.best)),
                    0.0,
                    Status.FEASIBLE,
                    0.0,
                )
            )
            return
        rm = self._model()
        none, has = none_term(rm, people)

        self._level(2, "participants with no meeting", none, False, 0.15, count_none)
        if not self.stopped:
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

        if not small or self.stopped or self.left() < 1.0:
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

        if v.size > FULL_MODEL_VARS:
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
