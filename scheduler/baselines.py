"""The two schedules we compare against: first-come-first-served and greedy by weight.

FCFS is what commercial platforms do (each request, in arrival order, takes the earliest
common free slot and place); greedy takes requests by weight instead. Both respect every
hard constraint (they share the candidate catalogue and `Ledger` with the rest of the
package), so their output passes the validator. Greedy also gives the solver a hint and a
fallback schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from scheduler.candidates import Candidate, Catalog, build_catalog
from scheduler.ledger import Ledger
from scheduler.problem import Problem, Request, Result, Status
from scheduler.reasons import explain
from scheduler.tables import number_places

Chosen = list[tuple[int, str | None]]  # (candidate index, third-seat person)


def construct(
    catalog: Catalog,
    order: Iterable[Request],
    ledger: Ledger | None = None,
    rank: Callable[[Candidate], tuple[int, ...]] | None = None,
) -> Chosen:
    """Place requests one by one, each at its first candidate that still fits.

    Args:
        catalog: the candidate catalogue.
        order: requests in the order they get to choose.
        ledger: occupancy to start from (forced meetings are added to a fresh one).
        rank: sort key of a request's candidates; default earliest start, then the place
            preference of the catalogue (booth, pools, online).

    Returns:
        The chosen (candidate, third-seat person) pairs, forced ones included.
    """
    led = ledger or Ledger(catalog)
    chosen: Chosen = []
    if ledger is None:
        for rid, idx in catalog.forced.items():
            cand = catalog.candidates[idx]
            group = (rid, cand.start, cand.in_person)
            lock = catalog.requests[rid].lock
            third = lock.third_seat if lock is not None else None
            if third is None and catalog.requests[rid].third_seat is not None:
                prev = catalog.problem.previous.get(rid)
                third = prev.third_seat if prev is not None else None
                third = third or next(iter(catalog.third.get(group, ())), None)
            led.add(cand, third)
            chosen.append((idx, third))
    key = rank or (lambda c: (c.start,))
    for req in order:
        if req.id in catalog.forced:
            continue
        idxs = sorted(catalog.by_request.get(req.id, ()), key=lambda i: key(catalog.candidates[i]))
        for i in idxs:
            cand = catalog.candidates[i]
            ok, third = led.fits(cand)
            if ok:
                led.add(cand, third)
                chosen.append((i, third))
                break
    return chosen


def _result(catalog: Catalog, chosen: Chosen, method: str, started: float) -> Result:
    assignments = tuple(number_places(catalog, [(catalog.candidates[i], t) for i, t in chosen]))
    seconds = time.perf_counter() - started
    return Result(
        status=Status.FEASIBLE,
        assignments=assignments,
        unscheduled=explain(catalog.problem, assignments, catalog=catalog),
        seconds=seconds,
        method=method,
    )


def fcfs(problem: Problem) -> Result:
    """First-come-first-served: requests in `arrival` order take the earliest free slot.

    Args:
        problem: the fair.

    Returns:
        A valid `Result` (method "fcfs", no bound).
    """
    started = time.perf_counter()
    catalog = build_catalog(problem)
    order = sorted(problem.requests, key=lambda r: (r.arrival, r.id))
    return _result(catalog, construct(catalog, order), "fcfs", started)


def greedy_order(problem: Problem) -> list[Request]:
    """Requests by weight, heaviest first (ties: earlier arrival)."""
    return sorted(problem.requests, key=lambda r: (-r.weight, r.arrival, r.id))


def greedy(problem: Problem) -> Result:
    """Greedy by weight: heaviest requests first, each at its earliest free slot.

    Args:
        problem: the fair.

    Returns:
        A valid `Result` (method "greedy", no bound).
    """
    started = time.perf_counter()
    catalog = build_catalog(problem)
    return _result(catalog, construct(catalog, greedy_order(problem)), "greedy", started)
