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
from scheduler.lp import LpPair, LpResult, solve_lp_pair
from scheduler.model import HardModel, hard_model
from scheduler.problem import Assignment, PlaceKind, Problem

log = logging.getLogger(__name__)

# above this many candidates `solve` prices columns instead of building one model (the
# tight expo has ~1M, the mega fair 6.3M)
COLUMNS_FROM = 2_000_000
INITIAL_GROUPS = 8  # groups per request and mode in the first restricted catalogue
ADD_PER_REQUEST = 4  # groups a request may gain per pricing round
EPS = 1e-6


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
    problem = space.problem
    n_slots = len(problem.slots)
    person: defaultdict[str, list[float]] = defaultdict(lambda: [0.0] * n_slots)
    place: defaultdict[str, list[float]] = defaultdict(lambda: [0.0] * n_slots)
    y_req: dict[str, float] = {}
    y_day: dict[tuple[str, int], float] = {}
    y_total: dict[str, float] = {}
    bound = 0.0
    for row, raw in zip(hm.rows, duals, strict=True):
        y = _effective(raw, row.lb, row.ub)
        key = row.key
        kind = key[0]
        if kind == "req":
            y_req[str(key[1])] = y
            continue
        if kind == "third" or y <= 0.0:
            continue  # relaxed (third seats), or no price on the row
        bound += y * row.ub
        if kind == "person":
            person[str(key[1])][int(key[2])] += y  # type: ignore[call-overload]
        elif kind == "place":
            place[str(key[1])][int(key[2])] += y  # type: ignore[call-overload]
        elif kind == "day-cap":
            y_day[(str(key[1]), int(key[2]))] = y  # type: ignore[call-overload]
        elif kind == "total-cap":
            y_total[str(key[1])] = y
    person_sum = {p: _prefix(v) for p, v in person.items()}
    place_sum = {p: _prefix(v) for p, v in place.items()}
    day = [s.day for s in problem.slots]
    capped = {p for p, _ in y_day} | set(y_total)
    additions: dict[str, list[Group]] = {}
    for req in problem.requests:
        groups = space.groups.get(req.id)
        if not groups:
            continue
        sel = selected.get(req.id, set())
        length = req.length
        own = y_req.get(req.id, 0.0)
        sums = [person_sum[p] for p in req.people if p in person_sum]
        caps = [p for p in req.people if p in capped]
        classes: dict[bool, list[list[float] | None]] = {True: [], False: []}
        for kind, pl in place_classes(problem, req):
            classes[kind is not PlaceKind.ONLINE].append(place_sum.get(pl))
        best_value = 0.0
        best: list[tuple[float, Group]] = []
        for group in groups:
            s, in_person = group
            e = s + length
            value = float(req.weight)
            for c in sums:
                value -= c[e] - c[s]
            for p in caps:
                value -= y_day.get((p, day[s]), 0.0) + y_total.get(p, 0.0)
            top = -math.inf
            for c_place in classes[in_person]:
                top = max(top, value - (c_place[e] - c_place[s] if c_place is not None else 0.0))
            best_value = max(best_value, top)
            if top - own > EPS and group not in sel:
                best.append((top - own, group))
        bound += best_value
        if best:
            best.sort(key=lambda x: -x[0])
            additions[req.id] = [g for _, g in best[:ADD_PER_REQUEST]]
    return bound, additions


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
    rounds: list[tuple[int, float, float]] = []
    while True:
        catalog = build_catalog(problem, keep, select=selected, avail=space.avail)
        hm = hard_model(catalog)
        left = deadline - time.perf_counter()
        pair = solve_lp_pair(hm, max(1.0, left))
        additions: dict[str, list[Group]] = {}
        for lp in (pair.vertex, pair.interior):
            if lp is None:
                continue
            bound, adds = _bound_of(space, hm, lp, selected)
            if bound < best_bound:
                best_bound = bound
            if len(adds) > len(additions):
                additions = adds
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
        spent = (time.perf_counter() - started) / len(rounds)
        closed = best_bound - value <= max(0.5, 1e-4 * abs(best_bound))
        if not additions or closed or time.perf_counter() + spent > deadline:
            break
        for rid, groups in additions.items():
            selected.setdefault(rid, set()).update(groups)
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
