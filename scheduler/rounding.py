"""From an LP solution to a valid schedule, and which variables CP-SAT should keep.

Rounding: take candidates in decreasing LP value (the LP's near-integral choices first),
each if it still fits, then let greedy fill what is left. When the LP is integral this
reproduces the LP optimum exactly; otherwise it is a strong hint for CP-SAT.
"""

from __future__ import annotations

from scheduler.baselines import Chosen, construct, greedy_order
from scheduler.ledger import Ledger
from scheduler.model import Variables

SUPPORT = 0.02  # LP values above this count as "used" (PDLP leaves ~1e-7 noise elsewhere)
# PDLP's interior solution spreads over the optimal face (66k values above 0.02 on the
# expo fair): only its near-decided values are worth adding to the restricted model
INTERIOR_SUPPORT = 0.25


def support(v: Variables, values: list[float], threshold: float = SUPPORT) -> set[int]:
    """Variables the LP solution uses."""
    return {j for j, x in enumerate(values) if x > threshold}


def round_lp(v: Variables, values: list[float]) -> Chosen:
    """A valid schedule guided by LP `values` (then greedy by weight for the rest).

    Args:
        v: the variables.
        values: LP value per variable.

    Returns:
        Chosen (candidate index, third-seat person) pairs, forced meetings included.
    """
    cat = v.catalog
    led = Ledger(cat)
    chosen: Chosen = []
    for rid, idx in cat.forced.items():
        ok, third = led.fits(cat.candidates[idx])
        lock = cat.requests[rid].lock
        if lock is not None and lock.third_seat is not None:
            third = lock.third_seat
        led.add(cat.candidates[idx], third)
        chosen.append((idx, third))
    # best third-seat person per (request, start, mode) by LP value
    seat_value: dict[tuple[str, int, bool], list[tuple[float, str]]] = {}
    for k, (rid, start, ip, pid) in enumerate(v.third):
        seat_value.setdefault((rid, start, ip), []).append((values[v.n_cand + k], pid))
    order = sorted(
        (j for j in range(v.n_cand) if values[j] > SUPPORT and j not in v.forced),
        key=lambda j: (-values[j], -v.weight(j)),
    )
    done = set(cat.forced)
    for j in order:
        c = cat.candidates[j]
        if c.request in done:
            continue
        ok, third = led.fits(c)
        if not ok:
            continue
        if third is not None:
            prefs = sorted(seat_value.get((c.request, c.start, c.in_person), []), reverse=True)
            for _, pid in prefs:
                if led.person_ok(pid, c):
                    third = pid
                    break
        led.add(c, third)
        chosen.append((j, third))
        done.add(c.request)
    rest = [r for r in greedy_order(cat.problem) if r.id not in done]
    chosen.extend(construct(cat, rest, ledger=led))
    return chosen
