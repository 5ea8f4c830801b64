"""The scheduler's entry point: `solve(problem, options) -> Result`.

Strategy (measured; see docs/scheduler.md):

1. Enumerate candidates and the hard-constraint rows (`scheduler.model`).
2. Greedy by weight gives a valid fallback schedule at once.
3. The LP relaxation of level 1 (GLOP when small, PDLP when large) gives an honest upper
   bound and, rounded, a schedule that is often already optimal.
4. If rounding does not reach the bound, CP-SAT solves level 1 restricted to the
   variables the LP and greedy use (2% of the full model), hinted with the best schedule.
5. Levels 2–4 (fairness, comfort, disruption) each solve a CP-SAT model with the earlier
   levels' values fixed as constraints (`scheduler.levels`).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scheduler.baselines import construct, greedy_order
from scheduler.candidates import Catalog, build_catalog, candidate_of
from scheduler.comfort import in_person_first
from scheduler.ledger import Ledger
from scheduler.model import decode, encode, hard_model
from scheduler.problem import Assignment, LevelReport, Options, Problem, Result, Status
from scheduler.reasons import explain
from scheduler.tables import number_places

if TYPE_CHECKING:
    from scheduler.cpsat import Progress, Stop
    from scheduler.pricing import Columns

log = logging.getLogger(__name__)

COLUMNS_SHARE = 0.5  # share of the time limit column generation may use


def repair(catalog: Catalog) -> list[tuple[int, str | None]]:
    """The published grid, minus what no longer fits, then greedy for the rest.

    The starting point of a re-solve: every published meeting whose request still
    exists and whose slot and place are still feasible stays where it was.
    """
    problem = catalog.problem
    led = Ledger(catalog)
    chosen: list[tuple[int, str | None]] = []
    for rid, idx in catalog.forced.items():
        lock = catalog.requests[rid].lock
        third = lock.third_seat if lock is not None else None
        led.add(catalog.candidates[idx], third)
        chosen.append((idx, third))
    for rid, a in problem.previous.items():
        if rid not in catalog.requests or rid in catalog.forced:
            continue
        found = catalog.index_of(candidate_of(catalog, a))
        if found is None:
            continue
        cand = catalog.candidates[found]
        ok, third = led.fits(cand)
        if not ok:
            continue
        seats = catalog.third.get((rid, cand.start, cand.in_person), ())
        if a.third_seat is not None and a.third_seat in seats and led.person_ok(a.third_seat, cand):
            third = a.third_seat
        led.add(cand, third)
        chosen.append((found, third))
    placed = {catalog.candidates[i].request for i, _ in chosen}
    rest = [r for r in greedy_order(problem) if r.id not in placed]
    chosen.extend(construct(catalog, rest, ledger=led))
    return chosen


def _forced_conflict(catalog: Catalog) -> str | None:
    """A message if the locked/kept meetings cannot all be kept together."""
    led = Ledger(catalog)
    for rid, idx in catalog.forced.items():
        cand = catalog.candidates[idx]
        ok, _ = led.fits(cand)
        if not ok:
            return f"locked meeting {rid} collides with another locked meeting"
        lock = catalog.requests[rid].lock
        led.add(cand, lock.third_seat if lock is not None else None)
    return None


def solve(
    problem: Problem,
    options: Options | None = None,
    progress: Progress | None = None,
    stop: Stop | None = None,
) -> Result:
    """Schedule `problem` with the lexicographic objective of docs/scheduler.md.

    Args:
        problem: the fair.
        options: time limit (whole solve), workers, seed, levels to run, gap-fill.
        progress: called with {level, value, bound, elapsed, time_left} on each improving
            CP-SAT solution (from the solver's thread).
        stop: polled while solving; returning True stops cleanly and keeps the best
            schedule found (status STOPPED).

    Returns:
        A `Result` whose assignments are valid for `problem` (with concrete tables and
        rooms), one `LevelReport` per level run, and a `Reason` per unscheduled request.
    """
    opts = options or Options()
    started = time.perf_counter()
    deadline = started + opts.time_limit
    ids = {r.id for r in problem.requests}
    keep = {rid: a for rid, a in problem.previous.items() if rid in ids} if opts.gap_fill else None
    from scheduler.pricing import COLUMNS_FROM, estimated_size, generate_columns

    columns: Columns | None = None
    if estimated_size(problem) > COLUMNS_FROM:
        # too many candidates for one model: price them (scheduler/pricing.py); the LP
        # gets until half the limit (two rounds bring the mega fair's bound from 0.5%
        # to 0.2% above the LP), the neighbourhood search most of the rest
        columns = generate_columns(problem, keep, started + COLUMNS_SHARE * opts.time_limit)
        catalog = columns.catalog
    else:
        catalog = build_catalog(problem, keep)
    conflict = _forced_conflict(catalog)
    if conflict is not None:
        log.warning("infeasible: %s", conflict)
        return Result(
            status=Status.INFEASIBLE,
            assignments=(),
            levels=(LevelReport(1, "total weight", 0.0, 0.0, Status.INFEASIBLE, 0.0),),
            seconds=time.perf_counter() - started,
        )
    hm = columns.hm if columns is not None else hard_model(catalog)
    v = hm.vars
    log.info("model: %d variables, %d rows", v.size, len(hm.rows))
    if problem.previous and not opts.gap_fill:
        base = encode(v, repair(catalog))
    else:
        base = encode(v, construct(catalog, greedy_order(problem)))
    # keep time for moving meetings in person, numbering tables and explaining what was
    # left out: 0.3 s on the expo fair and 0.55 s on the tight one (706k variables), and
    # up to twice that under load (tight solves beside two busy loops ended at 58.7-59.3 s
    # with 1.7 s kept); the 3.8 s kept with one second per 200k variables went unused
    reserve = min(0.25 * opts.time_limit, 0.3 + v.size / 400_000)
    if columns is not None:
        # ...and, after column generation, for the catalogue of every candidate of the
        # requests left out that the reasons are given from
        # (at 4% of the limit the mega fair's solves ended 4-44 s late under load)
        reserve += 0.07 * opts.time_limit
    # OR-Tools (and the pandas it loads) only when a solve runs: a web process that never
    # solves keeps ~60 MB less (the levels import it).
    from scheduler.levels import Levels

    levels = Levels(hm, opts, deadline - reserve, progress, stop)
    levels.origin = started  # progress reports time since the solve began
    if columns is not None:
        levels.lp_pair = columns.pair
    resolve = opts.levels >= 4 and bool(problem.previous) and not opts.gap_fill
    try:
        levels.level1(base)
        if resolve and opts.disruption_first and not levels.stopped:
            levels.disruption()
        if opts.levels >= 2 and not levels.stopped:
            levels.fairness()
        if opts.levels >= 3 and not levels.stopped:
            levels.comfort()
        if resolve and not opts.disruption_first and not levels.stopped:
            levels.disruption()
    except KeyboardInterrupt:
        # Ctrl-C in a caller that runs us on the main thread: keep the best schedule;
        # every schedule `levels` keeps is complete and valid
        log.warning("interrupted: keeping the best schedule so far")
        levels.stopped = True
    # meetings the LP left online where a booth or table has room move there
    # (`comfort.in_person_first`); published meetings are level 4's to move
    picked = in_person_first(catalog, decode(v, levels.best), set(problem.previous))
    chosen = [(catalog.candidates[i], t) for i, t in picked]
    assignments = tuple(number_places(catalog, chosen))
    status = levels.status()
    result = Result(
        status=status,
        assignments=assignments,
        levels=tuple(levels.reports),
        seconds=time.perf_counter() - started,
        method="cp-sat",
    )
    return Result(
        status=result.status,
        assignments=result.assignments,
        levels=result.levels,
        unscheduled=explain(
            problem, assignments, catalog=_reasons_catalog(catalog, columns, assignments)
        ),
        seconds=time.perf_counter() - started,
        method=result.method,
    )


def _reasons_catalog(
    catalog: Catalog, columns: Columns | None, assignments: tuple[Assignment, ...]
) -> Catalog:
    """The catalogue reasons are given from: every candidate of every request left out
    (a restricted catalogue of column generation lacks some)."""
    if columns is None:
        return catalog
    placed = {a.request for a in assignments}
    problem = catalog.problem
    left_out = {r.id for r in problem.requests if r.id not in placed}
    return build_catalog(problem, only=left_out)


def weight_of(problem: Problem, assignments: tuple[Assignment, ...] | list[Assignment]) -> int:
    """Total weight of the requests in `assignments`."""
    w = {r.id: r.weight for r in problem.requests}
    return sum(w[a.request] for a in assignments)
