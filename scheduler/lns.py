"""Large-neighbourhood search on level 1: free a few hundred requests, keep the rest.

On fairs where the LP's support is too large for one exact model in the time left (the
mega fair: 124k–340k variables with values above 0.02-0.1 after column generation, where
SCIP found nothing better than the rounding in a minute), the schedule is improved piece
by piece instead. Each step frees a *neighbourhood*: the requests of a few people who
lose LP weight (a request the LP schedules but the schedule does not) and the requests of
the people they meet, so that those meetings can move. Every other meeting stays where it
is: its use of each row (person-slot, place-slot, caps) is subtracted from the row's
right-hand side, candidates of the freed requests that no longer fit are dropped, and
SCIP solves the small 0/1 model that remains (a few thousand variables), hinted with the
freed requests' current meetings. A step's answer replaces them only when it is worth
more, so the schedule never gets worse and stays valid: the sub-model holds every row of
the full model over its variables, with the kept meetings' use taken out.

The neighbourhood size adapts: it grows when SCIP proves its sub-model optimal quickly
and shrinks when SCIP runs out of time.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ortools.linear_solver import linear_solver_pb2 as pb  # type: ignore[attr-defined]

from scheduler.lp import solve_scip
from scheduler.model import HardModel

log = logging.getLogger(__name__)

START_SIZE = 150  # requests freed per step at first
MIN_SIZE = 20
MAX_SIZE = 3_000
STEP_S = 3.0  # SCIP's limit per step
EPS = 1e-6
# freed requests per left-out request a neighbourhood starts from: on the mega fair
# several seeds gained ~60 weight per CPU second where one seed per step gained ~45; on
# the tight expo from SCIP's 47,825, 15 s with two workers gained +33 to +42 with one
# seed per 20 requests against +23 to +32 with one per 100 (four and five runs)
PER_SEED = 20


@dataclass
class Stats:
    """What a search did: steps run, steps that improved, the weight gained, seconds,
    and steps whose answer another worker's step had made invalid (not taken)."""

    steps: int = 0
    improved: int = 0
    gained: float = 0.0
    seconds: float = 0.0
    size: int = START_SIZE
    clashes: int = 0


@dataclass
class Sub:
    """One step's sub-model: the freed requests, their meetings it may replace, the
    variables it keeps (in the model's order) and the model, built in `built` seconds."""

    free: set[str]
    removed: list[int]
    keep: list[int]
    model: pb.MPModelProto
    built: float
    solved: float = 0.0

    def solve(self, time_limit: float) -> pb.MPSolutionResponse:
        """SCIP on the sub-model; other threads run meanwhile (`lp.solve_scip`)."""
        began = time.perf_counter()
        resp = solve_scip(self.model, max(0.2, time_limit))
        self.solved = time.perf_counter() - began
        return resp


class Search:
    """The schedule being improved, and per row how much of it the schedule uses."""

    def __init__(
        self,
        hm: HardModel,
        ones: list[int],
        objective: dict[int, float],
        lp_values: list[float] | None = None,
        seed: int = 0,
    ) -> None:
        self.hm = hm
        v = hm.vars
        cat = v.catalog
        self.objective = objective
        self.rng = random.Random(seed)
        self.var_request: list[str] = [c.request for c in cat.candidates] + [t[0] for t in v.third]
        self.request_vars: defaultdict[str, list[int]] = defaultdict(list)
        for j, rid in enumerate(self.var_request):
            self.request_vars[rid].append(j)
        # rows are found by key when a variable is first touched: scanning the mega
        # fair's 2.5M nonzeros once took seconds of pure Python
        self.row_at = {row.key: r for r, row in enumerate(hm.rows)}
        self._rows: dict[int, list[tuple[int, float]]] = {}
        self._day = [s.day for s in cat.problem.slots]
        self.use = [0.0] * len(hm.rows)
        self.current: dict[str, list[int]] = defaultdict(list)
        for j in ones:
            self._book(j, 1.0)
            self.current[self.var_request[j]].append(j)
        self.frozen = set(cat.forced)
        # who meets in which requests (only requests that can be met at all)
        self.by_person: defaultdict[str, list[str]] = defaultdict(list)
        for rid, idx in cat.by_request.items():
            if idx and rid not in self.frozen:
                for pid in cat.requests[rid].people:
                    self.by_person[pid].append(rid)
        # LP weight per request: how much the LP schedules it
        self.mass: dict[str, float] = {}
        if lp_values is not None:
            for j in range(v.n_cand):
                x = lp_values[j]
                if x > EPS:
                    rid = self.var_request[j]
                    self.mass[rid] = self.mass.get(rid, 0.0) + x
        self.stats = Stats()
        self.stopped = False

    def rows_of(self, j: int) -> list[tuple[int, float]]:
        """The rows variable `j` enters and its coefficient in each (the keys
        `scheduler.model` gives them; a key with no row has nothing to bind)."""
        got = self._rows.get(j)
        if got is not None:
            return got
        v = self.hm.vars
        cat = v.catalog
        keys: list[tuple[tuple[object, ...], float]] = []
        if j < v.n_cand:
            c = cat.candidates[j]
            people = cat.requests[c.request].people
            keys.append((("req", c.request), 1.0))
            for t in c.slots:
                keys.extend((("person", pid, t), 1.0) for pid in people)
                keys.append((("place", c.place, t), 1.0))
            start, in_person, rid = c.start, c.in_person, c.request
            link = -1.0
        else:
            rid, start, in_person, pid = v.third[j - v.n_cand]
            people = (pid,)
            length = cat.requests[rid].length
            keys.extend((("person", pid, t), 1.0) for t in range(start, start + length))
            link = 1.0
        for pid in people:
            keys.append((("day-cap", pid, self._day[start]), 1.0))
            keys.append((("total-cap", pid), 1.0))
        keys.append((("third", rid, start, in_person), link))
        got = [(self.row_at[k], a) for k, a in keys if k in self.row_at]
        self._rows[j] = got
        return got

    def _book(self, j: int, sign: float) -> None:
        for r, a in self.rows_of(j):
            self.use[r] += sign * a

    def ones(self) -> list[int]:
        """The schedule's variables at 1."""
        return [j for js in self.current.values() for j in js]

    def value(self) -> float:
        return sum(self.objective.get(j, 0.0) for j in self.ones())

    # ------------------------------------------------------------- neighbourhoods

    def lost(self) -> list[tuple[str, float]]:
        """Requests not scheduled that could be, with what leaving them out costs
        (weight × their LP value; weight alone without an LP)."""
        cat = self.hm.vars.catalog
        out = []
        for rid, idx in cat.by_request.items():
            if not idx or rid in self.frozen or self.current.get(rid):
                continue
            mass = self.mass.get(rid, 0.0) if self.mass else 1.0
            if mass > 0.01:
                out.append((rid, cat.requests[rid].weight * mass))
        return out

    def neighbourhood(self, seeds: list[str], size: int, avoid: Collection[str] = ()) -> set[str]:
        """The `seeds` and the requests around them: breadth first over the people who
        meet, until `size` requests (scheduled or not) are free. Requests of a person in
        `avoid` (another step's) are left out."""
        cat = self.hm.vars.catalog
        chosen: set[str] = set(seeds)
        queue = [pid for rid in seeds for pid in cat.requests[rid].people]
        seen = set(queue) | set(avoid)
        k = 0
        while k < len(queue) and len(chosen) < size:
            pid = queue[k]
            k += 1
            mine = self.by_person.get(pid, [])
            for rid in self.rng.sample(mine, len(mine)):
                if len(chosen) >= size:
                    break
                people = cat.requests[rid].people
                if avoid and any(other in avoid for other in people):
                    continue
                chosen.add(rid)
                if self.current.get(rid):
                    for other in people:
                        if other not in seen:
                            seen.add(other)
                            queue.append(other)
        return chosen

    # ------------------------------------------------------------------ one step

    def step(self, free: set[str], time_limit: float) -> tuple[bool, bool]:
        """Re-solve the requests in `free` with every other meeting kept.

        Returns:
            (improved, SCIP proved the sub-model optimal).
        """
        sub = self.prepare(free)
        if sub is None:
            return False, True
        return self.commit(sub, sub.solve(time_limit))

    def prepare(self, free: set[str]) -> Sub | None:
        """The sub-model of a step: the requests in `free` (less frozen ones) re-solved
        with every other meeting kept; None when none of their candidates fits."""
        began = time.perf_counter()
        rows = self.hm.rows
        free = {rid for rid in free if rid not in self.frozen}
        removed = [j for rid in free for j in self.current.get(rid, ())]
        held: defaultdict[int, float] = defaultdict(
            float
        )  # row → use by the freed requests' current meetings
        for j in removed:
            for r, a in self.rows_of(j):
                held[r] += a
        keep: list[int] = []
        for rid in free:
            for j in self.request_vars[rid]:
                ok = True
                for r, _ in self.rows_of(j):
                    row = rows[r]
                    if row.coefs is None and row.ub - (self.use[r] - held.get(r, 0.0)) < 1 - EPS:
                        ok = False
                        break
                if ok:
                    keep.append(j)
        if not keep:
            return None
        pos = {j: k for k, j in enumerate(keep)}
        sub: defaultdict[int, list[tuple[int, float]]] = defaultdict(list)
        for j in keep:
            for r, a in self.rows_of(j):
                sub[r].append((j, a))
        model = pb.MPModelProto(maximize=True)
        for j in keep:
            model.variable.add(
                lower_bound=0.0,
                upper_bound=1.0,
                objective_coefficient=self.objective.get(j, 0.0),
                is_integer=True,
            )
        for r, js in sub.items():
            row = rows[r]
            fixed = self.use[r] - held.get(r, 0.0)
            ub = row.ub - fixed
            lb = row.lb - fixed
            if row.coefs is None and lb == -math.inf and len(js) <= ub + EPS:
                continue  # cannot bind
            ct = model.constraint.add(lower_bound=lb, upper_bound=ub)
            ct.var_index.extend(pos[j] for j, _ in js)
            ct.coefficient.extend(a for _, a in js)
        on = set(removed)
        model.solution_hint.var_index.extend(range(len(keep)))
        model.solution_hint.var_value.extend(1.0 if j in on else 0.0 for j in keep)
        return Sub(free, removed, keep, model, time.perf_counter() - began)

    def commit(self, sub: Sub, resp: pb.MPSolutionResponse) -> tuple[bool, bool]:
        """Take SCIP's answer to `sub` when it is worth more than the meetings it
        replaces and every row it touches still holds (another worker's step may have
        used a row's room since `sub` was built). Returns (improved, proved optimal)."""
        log.debug(
            "lns step: %d requests, %d variables, %d rows, built in %.2fs, SCIP %.2fs %s",
            len(sub.free),
            len(sub.keep),
            len(sub.model.constraint),
            sub.built,
            sub.solved,
            pb.MPSolverResponseStatus.Name(resp.status),
        )
        optimal = resp.status == pb.MPSOLVER_OPTIMAL
        if resp.status not in (pb.MPSOLVER_OPTIMAL, pb.MPSOLVER_FEASIBLE):
            return False, optimal
        new = [j for j, x in zip(sub.keep, resp.variable_value, strict=True) if x > 0.5]
        before = sum(self.objective.get(j, 0.0) for j in sub.removed)
        after = sum(self.objective.get(j, 0.0) for j in new)
        if after <= before + EPS:
            return False, optimal
        change: defaultdict[int, float] = defaultdict(float)
        for j in sub.removed:
            for r, a in self.rows_of(j):
                change[r] -= a
        for j in new:
            for r, a in self.rows_of(j):
                change[r] += a
        rows = self.hm.rows
        for r, d in change.items():
            u = self.use[r] + d
            if u > rows[r].ub + EPS or u < rows[r].lb - EPS:
                self.stats.clashes += 1
                return False, optimal
        for j in sub.removed:
            self._book(j, -1.0)
        for rid in sub.free:
            self.current.pop(rid, None)
        for j in new:
            self._book(j, 1.0)
            self.current[self.var_request[j]].append(j)
        self.stats.gained += after - before
        return True, optimal

    # ------------------------------------------------------------------ the loop

    def run(
        self,
        deadline: float,
        step_s: float = STEP_S,
        stop: Callable[[], bool] | None = None,
        improved: Callable[[list[int]], None] | None = None,
        workers: int = 1,
    ) -> list[int]:
        """Steps until `deadline` (a `time.perf_counter()` value), `stop()` or nothing is
        left out that the LP (or, without one, anybody) would schedule.

        Each step frees the neighbourhood of a left-out request drawn in proportion to
        what leaving it out costs. With `workers` above 1, that many steps run at once,
        one per thread, on disjoint sets of requests: SCIP runs outside Python's lock
        (`lp.solve_scip`), so each gets a core. A step's answer is taken only if every
        row it touches still holds when it ends (`commit`). `improved` is called, from
        the calling thread like `stop`, with the schedule after steps that improved it.
        Returns the schedule (variables at 1).
        """
        started = time.perf_counter()
        st = self.stats
        cond = threading.Condition()
        busy: Counter[str] = Counter()  # people of the requests freed by steps in flight
        requests = self.hm.vars.catalog.requests
        lost = [self.lost()]
        news = [False]  # an improvement `improved` has not been told of
        ended = [False]  # the calling thread's loop has ended

        def next_step() -> tuple[set[str], Sub | None] | None:
            # under the lock: a neighbourhood of people no other step has freed (their
            # rows are then the steps' own, but for places and pools)
            open_ = [
                (rid, w) for rid, w in lost[0] if not any(p in busy for p in requests[rid].people)
            ]
            if not open_:
                return None
            rids = [rid for rid, _ in open_]
            seeds = self.rng.choices(rids, weights=[w for _, w in open_], k=1 + st.size // PER_SEED)
            free = self.neighbourhood(seeds, st.size, avoid=busy.keys())
            for rid in free:
                busy.update(requests[rid].people)
            return free, self.prepare(free)

        def work(main: bool) -> None:
            while time.perf_counter() + 0.2 < deadline and not self.stopped and not ended[0]:
                if main and stop is not None and stop():
                    self.stopped = True
                    break
                with cond:
                    got = next_step()
                    while got is None and busy and not ended[0] and not self.stopped:
                        # every request left out is near another step's: wait for it
                        if not cond.wait(max(0.0, deadline - time.perf_counter())):
                            break
                        got = next_step()
                if got is None:
                    break
                free, sub = got
                resp = (
                    None if sub is None else sub.solve(min(step_s, deadline - time.perf_counter()))
                )
                with cond:
                    cond.notify_all()
                    for rid in free:
                        for pid in requests[rid].people:
                            busy[pid] -= 1
                            if busy[pid] <= 0:
                                del busy[pid]
                    better, optimal = (False, True) if sub is None else self.commit(sub, resp)
                    took = 0.0 if sub is None else sub.built + sub.solved
                    st.steps += 1
                    st.improved += better
                    if optimal and took < 0.5 * step_s:
                        st.size = min(MAX_SIZE, int(st.size * 1.25) + 1)
                    elif not optimal:
                        st.size = max(MIN_SIZE, int(st.size * 0.7))
                    if better:
                        lost[0] = self.lost()
                        news[0] = True
                    ones = self.ones() if main and news[0] and improved is not None else None
                    news[0] = news[0] and ones is None
                if ones is not None and improved is not None:
                    improved(ones)

        failed: list[BaseException] = []

        def helper() -> None:
            try:
                work(False)
            except BaseException as e:  # raised again in the calling thread
                failed.append(e)

        helpers = [threading.Thread(target=helper) for _ in range(workers - 1)]
        for t in helpers:
            t.start()
        try:
            work(True)
        finally:
            with cond:
                ended[0] = True  # the helpers end with their step in flight
                cond.notify_all()
            for t in helpers:
                t.join()
        if failed:
            raise failed[0]
        st.seconds = time.perf_counter() - started
        log.info(
            "lns: %d steps, %d improved, +%.0f, neighbourhood %d requests, %d clashes, "
            "%d workers, %.1fs",
            st.steps,
            st.improved,
            st.gained,
            st.size,
            st.clashes,
            workers,
            st.seconds,
        )
        return self.ones()
