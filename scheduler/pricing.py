"""Column generation: the level-1 LP of a fair too big to enumerate, with a proven bound.

At mega scale (5,000 companies, 40,000 requests, 5 days) every request has ~200
candidates: 6.3M variables and 0.8M rows, over 5 GB before the LP is even solved. So:

1. `full_space` keeps the whole candidate space compactly: per request, its feasible
   (start, in_person) groups, found by the catalogue's own `candidates.feasible_groups`.
2. A restricted catalogue holds a few groups per request, spread over the fair
   (`initial_selection`), every place class of a group (`build_catalog(select=...)`).
3. The duals `y` of its LP price *every* candidate of the full space: reduced cost
   `rc = weight − y(request) − Σ y(person, slot) − Σ y(place, slot) − y(caps)`, and
   bound every schedule: `Σ_rows y·rhs` over the person, place and cap rows plus, per
   request, its best candidate's `weight − Σ y` (a Lagrangian bound, valid for any
   `y ≥ 0`; a row the restricted model lacks has dual 0).
4. Groups with a positive reduced cost join the selection and the LP is solved again,
   until none is positive (the restricted LP is then the full LP) or time is up.

The schedule is found on the last restricted catalogue (every candidate in it is a real
one, so the schedule is valid for the whole fair); its bound is the priced one.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass

from scheduler.availability import Availability, availability
from scheduler.candidates import (
    Catalog,
    Group,
    build_catalog,
    feasible_groups,
    meeting_starts,
    place_classes,
)
from scheduler.lp import PDLP_NNZ, LpPair, LpResult, Warm, solve_lp_pair, solve_pdlp
from scheduler.model import HardModel, hard_model
from scheduler.problem import Assignment, PlaceKind, Problem

log = logging.getLogger(__name__)

# above this many candidates `solve` prices columns instead of building one model (the
# tight expo has ~1M, the mega fair 6.3M)
COLUMNS_FROM = 2_000_000
INITIAL_GROUPS = 8  # groups per request and mode in the first restricted catalogue
ADD_PER_REQUEST = 4  # groups a request may gain per pricing round
SEAT_CAP = 6  # third-seat people per group in a restricted catalogue (the bound relaxes seats)
EPS = 1e-6
MIN_ROUND_S = 15.0  # start another pricing round only with this long left
# PDLP's optimality tolerance in the pricing rounds: on the mega fair 1e-4 gave the same
# priced bound as 1e-5 (160,231 against 160,229 after round 1) in 320 iterations, not 768
PDLP_EPS = 1e-4
NEXT_ROUND = 0.8  # the next round's time, as a share of the last one's


@dataclass
class Space:
    """The full candidate space: every feasible (start, in_person) group per request."""

    problem: Problem
    avail: dict[str, Availability]
    groups: dict[str, list[Group]]
    size: int  # candidates (groups × their place classes)


def full_space(problem: Problem) -> Space:
    """Enumerate every request's feasible groups (not their candidates)."""
    avail = availability(problem)
    starts_by_len: dict[int, list[int]] = {}
    groups: dict[str, list[Group]] = {}
    size = 0
    seats: dict[tuple[str, bool, int, int], tuple[str, ...]] = {}
    for req in problem.requests:
        if req.length not in starts_by_len:
            starts_by_len[req.length] = meeting_starts(problem, req.length)
        out = []
        for in_person, s, kinds, _ in feasible_groups(
            problem, avail, req, starts_by_len[req.length], seats=seats
        ):
            out.append((s, in_person))
            size += len(kinds)
        groups[req.id] = out
    return Space(problem, avail, groups, size)


def initial_selection(space: Space, per_mode: int = INITIAL_GROUPS) -> dict[str, set[Group]]:
    """`per_mode` groups per request and mode, evenly spread over its feasible starts,
    each request shifted (golden ratio) so that one exhibitor's requests cover the
    whole fair between them."""
    out: dict[str, set[Group]] = {}
    for k, req in enumerate(space.problem.requests):
        chosen: set[Group] = set()
        shift = (k * 0.6180339887) % 1.0
        for in_person in (True, False):
            mine = [g for g in space.groups[req.id] if g[1] is in_person]
            n = len(mine)
            if n <= per_mode:
                chosen.update(mine)
                continue
            step = n / per_mode
            chosen.update(mine[int((shift + i) * step) % n] for i in range(per_mode))
        out[req.id] = chosen
    return out


def _effective(y: float, lb: float, ub: float) -> float:
    """The dual `lp.dual_bound` uses: a side that is infinite cannot carry one."""
    if (y > 0 and math.isfinite(ub)) or (y < 0 and math.isfinite(lb)):
        return y
    return 0.0


def _prefix(values: list[float]) -> list[float]:
    out = [0.0]
    for x in values:
        out.append(out[-1] + x)
    return out


@dataclass
class Duals:
    """Non-negative prices of the person, place and cap rows (every slot, whether or not
    the restricted model has the row), and the restricted LP's request duals."""

    person: defaultdict[str, list[float]]
    place: defaultdict[str, list[float]]
    day: dict[tuple[str, int], float]
    total: dict[str, float]
    request: dict[str, float]


def duals_of(space: Space, hm: HardModel, duals: list[float]) -> Duals:
    """The duals of `hm`'s rows (one per row), as `lp.dual_bound` counts them."""
    n_slots = len(space.problem.slots)
    out = Duals(
        person=defaultdict(lambda: [0.0] * n_slots),
        place=defaultdict(lambda: [0.0] * n_slots),
        day={},
        total={},
        request={},
    )
    for row, raw in zip(hm.rows, duals, strict=True):
        y = _effective(raw, row.lb, row.ub)
        key = row.key
        kind = key[0]
        if kind == "req":
            out.request[str(key[1])] = y
        elif kind == "third" or y <= 0.0:
            continue  # relaxed (third seats), or no price on the row
        elif kind == "person":
            out.person[str(key[1])][int(key[2])] += y  # type: ignore[call-overload]
        elif kind == "place":
            out.place[str(key[1])][int(key[2])] += y  # type: ignore[call-overload]
        elif kind == "day-cap":
            out.day[(str(key[1]), int(key[2]))] = y  # type: ignore[call-overload]
        elif kind == "total-cap":
            out.total[str(key[1])] = y
    return out


def _place_cap(problem: Problem, place: str) -> float:
    if place in problem.booths:
        return float(problem.booths[place].tables)
    if place in problem.table_pools:
        return float(problem.table_pools[place].total_capacity())
    if problem.online_capacity is not None:
        return float(problem.online_capacity)
    return math.inf  # unlimited video rooms: no row


@dataclass
class Priced:
    """What one pricing pass gives: the bound, the groups worth adding per request, and
    (when asked) how often each row is used by the requests' best candidates."""

    bound: float
    additions: dict[str, list[Group]]
    person_use: defaultdict[str, list[int]] | None = None
    place_use: defaultdict[str, list[int]] | None = None
    day_use: defaultdict[tuple[str, int], int] | None = None
    total_use: defaultdict[str, int] | None = None


def lagrange(
    space: Space, y: Duals, selected: dict[str, set[Group]], track: bool = False
) -> Priced:
    """The Lagrangian bound of `y` (see `price`), the groups to add and, with `track`,
    each row's use by the requests' best candidates (for a subgradient step)."""
    problem = space.problem
    n_slots = len(problem.slots)
    bound = 0.0
    for values in y.person.values():
        bound += sum(values)  # each person row: at most one meeting
    for place, values in y.place.items():
        cap = _place_cap(problem, place)
        if math.isfinite(cap):
            bound += cap * sum(values)
    for (pid, _), value in y.day.items():
        bound += value * (problem.people[pid].max_per_day or 0)
    for pid, value in y.total.items():
        bound += value * (problem.people[pid].max_total or 0)
    person_sum = {p: _prefix(v) for p, v in y.person.items()}
    place_sum = {p: _prefix(v) for p, v in y.place.items()}
    day = [s.day for s in problem.slots]
    capped = {
        pid
        for pid, p in problem.people.items()
        if p.max_per_day is not None or p.max_total is not None
    }
    priced = Priced(bound, {})
    if track:
        priced.person_use = defaultdict(lambda: [0] * n_slots)
        priced.place_use = defaultdict(lambda: [0] * n_slots)
        priced.day_use = defaultdict(int)
        priced.total_use = defaultdict(int)
    for req in problem.requests:
        groups = space.groups.get(req.id)
        if not groups:
            continue
        sel = selected.get(req.id, set())
        length = req.length
        own = y.request.get(req.id, 0.0)
        sums = [person_sum[p] for p in req.people if p in person_sum]
        caps = [p for p in req.people if p in capped]
        classes: dict[bool, list[tuple[str, list[float] | None]]] = {True: [], False: []}
        for kind, pl in place_classes(problem, req):
            classes[kind is not PlaceKind.ONLINE].append((pl, place_sum.get(pl)))
        best_value = 0.0
        best_at: tuple[int, str] | None = None
        best: list[tuple[float, Group]] = []
        for group in groups:
            s, in_person = group
            e = s + length
            value = float(req.weight)
            for c in sums:
                value -= c[e] - c[s]
            for p in caps:
                value -= y.day.get((p, day[s]), 0.0) + y.total.get(p, 0.0)
            top, top_place = -math.inf, ""
            for pl, c_place in classes[in_person]:
                v = value - (c_place[e] - c_place[s] if c_place is not None else 0.0)
                if v > top:
                    top, top_place = v, pl
            if top > best_value:
                best_value, best_at = top, (s, top_place)
            if top - own > EPS and group not in sel:
                best.append((top - own, group))
        priced.bound += best_value
        if best:
            best.sort(key=lambda x: -x[0])
            priced.additions[req.id] = [g for _, g in best[:ADD_PER_REQUEST]]
        if track and best_at is not None:
            s, pl = best_at
            assert priced.person_use is not None and priced.place_use is not None
            assert priced.day_use is not None and priced.total_use is not None
            for t in range(s, s + length):
                for p in req.people:
                    priced.person_use[p][t] += 1
                priced.place_use[pl][t] += 1
            for p in caps:
                priced.day_use[(p, day[s])] += 1
                priced.total_use[p] += 1
    return priced


def price(
    space: Space, hm: HardModel, duals: list[float], selected: dict[str, set[Group]]
) -> tuple[float, dict[str, list[Group]]]:
    """A proven upper bound on every schedule of the whole fair from the duals of the
    restricted model `hm` (one per row), and the groups worth adding.

    The person, place and cap rows keep their (effective, non-negative) duals `y`; each
    request then picks its single best candidate of the *full* space, worth
    `max(0, weight − Σ y over the rows it enters)` (the Lagrangian relaxation of those
    rows, with "a request is met at most once" kept). Third seats are relaxed away (their
    variables only enter rows with non-negative duals), so are locks. Valid for any
    `y ≥ 0`, and unlike `Σ max(0, reduced cost)` over candidates it counts a request with
    many free alternatives once.

    Returns:
        (the bound, the best `ADD_PER_REQUEST` unselected groups per request whose
        reduced cost under the restricted LP's own request duals is positive).
    """
    priced = lagrange(space, duals_of(space, hm, duals), selected)
    return priced.bound, priced.additions


def refine(space: Space, y: Duals, target: float, deadline: float, steps: int = 30) -> float:
    """Lower the Lagrangian bound of `y` by subgradient steps (Polyak's rule towards
    `target`, a value some schedule reaches); returns the best bound seen (each is valid:
    every `y` stays non-negative)."""
    problem = space.problem
    best = math.inf
    theta = 1.0
    last = math.inf
    for _ in range(steps):
        if time.perf_counter() > deadline:
            break
        got = lagrange(space, y, {}, track=True)
        assert got.person_use is not None and got.place_use is not None
        assert got.day_use is not None and got.total_use is not None
        best = min(best, got.bound)
        if got.bound >= last - 1e-9:
            theta /= 2
        last = got.bound
        # subgradient of the bound: capacity − use, per row
        grads: list[tuple[list[float], int, float]] = []
        norm = 0.0
        for pid in set(y.person) | set(got.person_use):
            use = got.person_use.get(pid)
            values = y.person[pid]
            for t in range(len(values)):
                g = 1.0 - (use[t] if use is not None else 0)
                if g < 0 or values[t] > 0:
                    grads.append((values, t, g))
                    norm += g * g
        for pl in set(y.place) | set(got.place_use):
            cap = _place_cap(problem, pl)
            if not math.isfinite(cap):
                continue
            use = got.place_use.get(pl)
            values = y.place[pl]
            for t in range(len(values)):
                g = cap - (use[t] if use is not None else 0)
                if g < 0 or values[t] > 0:
                    grads.append((values, t, g))
                    norm += g * g
        caps_day = [
            (key, (problem.people[key[0]].max_per_day or 0) - got.day_use.get(key, 0))
            for key in set(y.day) | set(got.day_use)
            if problem.people[key[0]].max_per_day is not None
        ]
        caps_total = [
            (pid, (problem.people[pid].max_total or 0) - got.total_use.get(pid, 0))
            for pid in set(y.total) | set(got.total_use)
            if problem.people[pid].max_total is not None
        ]
        norm += sum(g * g for _, g in caps_day) + sum(g * g for _, g in caps_total)
        if norm == 0 or got.bound <= target:
            break
        step = theta * (got.bound - target) / norm
        for values, t, g in grads:
            values[t] = max(0.0, values[t] - step * g)
        for key, g in caps_day:
            y.day[key] = max(0.0, y.day.get(key, 0.0) - step * g)
        for pid, g in caps_total:
            y.total[pid] = max(0.0, y.total.get(pid, 0.0) - step * g)
    return best


@dataclass
class Columns:
    """What column generation leaves for the levels: the last restricted catalogue and
    model, its LP pair with the *full* fair's bound, and the figures of each round."""

    catalog: Catalog
    hm: HardModel
    pair: LpPair
    space_size: int
    rounds: list[tuple[int, float, float]]  # (variables, restricted LP value, full bound)


def _bound_of(
    space: Space, hm: HardModel, lp: LpResult, selected: dict[str, set[Group]]
) -> tuple[float, dict[str, list[Group]]]:
    if not lp.duals or not math.isfinite(lp.bound):
        return math.inf, {}
    return price(space, hm, lp.duals, selected)


def generate_columns(
    problem: Problem,
    keep: dict[str, Assignment] | None,
    deadline: float,
    space: Space | None = None,
) -> Columns:
    """Price columns until the restricted LP is the full LP or `deadline` is near.

    Args:
        problem: the fair.
        keep: assignments that must stay exactly (gap-fill), as for `build_catalog`.
        deadline: a `time.perf_counter()` value by which the last LP must be solved.
        space: the full space, if already enumerated.

    Returns:
        The `Columns` (the pair's bound is valid for the whole fair).
    """
    started = time.perf_counter()
    space = space or full_space(problem)
    selected = initial_selection(space)
    log.info(
        "columns: %d candidates in the full space, %.1fs",
        space.size,
        time.perf_counter() - started,
    )
    for rid, a in problem.previous.items():  # a re-solve starts from the published grid
        if rid in space.groups:
            selected.setdefault(rid, set()).add((a.start, a.kind is not PlaceKind.ONLINE))
    best_bound = math.inf
    best_duals: list[float] = []
    best_hm: HardModel | None = None
    warm: Warm | None = None
    rounds: list[tuple[int, float, float]] = []
    while True:
        round_started = time.perf_counter()
        catalog = build_catalog(
            problem, keep, select=selected, avail=space.avail, seat_cap=SEAT_CAP
        )
        hm = hard_model(catalog)
        left = deadline - time.perf_counter()
        if sum(len(r.vars) for r in hm.rows) > PDLP_NNZ:
            # PDLP alone on both cores, from the last round's solution
            lp_ = solve_pdlp(hm, max(1.0, left), warm, eps=PDLP_EPS)
            pair = LpPair(
                bound=lp_.bound if lp_ is not None else math.inf,
                vertex=None,
                interior=lp_,
                seconds=time.perf_counter() - round_started,
            )
        else:
            pair = solve_lp_pair(hm, max(1.0, left), glop=False, reduce=False)
        last = pair.interior or pair.vertex
        if last is not None and last.duals:
            warm = Warm.of(hm, last)
        additions: dict[str, list[Group]] = {}
        # price the duals with the best bound on the restricted model (a GLOP stopped
        # early has wild ones, and each pricing pass costs seconds)
        solved = [lp for lp in (pair.vertex, pair.interior) if lp is not None and lp.duals]
        if solved:
            lp = min(solved, key=lambda r: r.bound)
            bound, additions = _bound_of(space, hm, lp, selected)
            if bound < best_bound:
                best_bound, best_duals, best_hm = bound, lp.duals, hm
        value = max(
            (lp.objective for lp in (pair.vertex, pair.interior) if lp is not None),
            default=math.nan,
        )
        rounds.append((hm.vars.size, value, best_bound))
        log.info(
            "columns round %d: %d of %d candidates, LP %.1f, full bound %.1f, %d requests "
            "gain groups, %.1fs",
            len(rounds),
            len(catalog.candidates),
            space.size,
            value,
            best_bound,
            len(additions),
            time.perf_counter() - started,
        )
        # a warm-started round costs less than this one (measured on the mega fair: 640
        # PDLP iterations from the last round's solution, 768 from zero); one stopped by
        # the deadline still gives a valid, if looser, bound
        spent = max(MIN_ROUND_S, NEXT_ROUND * (time.perf_counter() - round_started))
        closed = best_bound - value <= max(0.5, 1e-4 * abs(best_bound))
        if not additions or closed or time.perf_counter() + spent > deadline:
            break
        for rid, groups in additions.items():
            selected.setdefault(rid, set()).update(groups)
    loose = best_bound - value > 0.01 * abs(best_bound)
    if best_hm is not None and loose and time.perf_counter() < deadline and math.isfinite(value):
        # only from a loose start: on the mega fair, from PDLP's converged duals (0.2-0.5%
        # above the LP), 30-73 s of steps never lowered the bound
        # what time is left before the deadline: subgradient steps on the best duals
        refined = refine(space, duals_of(space, best_hm, best_duals), value, deadline)
        log.info("columns: bound %.1f, after subgradient steps %.1f", best_bound, refined)
        best_bound = min(best_bound, refined)
    # the restricted LP's own bound holds only for its catalogue: the priced one for all
    pair = LpPair(
        bound=min(best_bound, _trivial(hm)),
        vertex=pair.vertex,
        interior=pair.interior,
        seconds=time.perf_counter() - started,
    )
    return Columns(catalog, hm, pair, space.size, rounds)


def estimated_size(problem: Problem) -> int:
    """Candidates the fair would have if everyone were always available (an upper bound
    of the catalogue's size, without computing anyone's availability)."""
    starts: dict[int, int] = {}
    total = 0
    for req in problem.requests:
        if req.length not in starts:
            starts[req.length] = len(meeting_starts(problem, req.length))
        total += starts[req.length] * len(place_classes(problem, req))
    return total


def _trivial(hm: HardModel) -> float:
    cat = hm.vars.catalog
    return float(sum(r.weight for rid, r in cat.requests.items() if cat.by_request.get(rid)))
