"""Level 2 on large fairs by local search: give participants with none a meeting.

On expo-sized models the level-2 CP-SAT model finds nothing better than its hint in the
time it gets, so for them we try, for each participant without a meeting who has a
feasible request: insert one of their requests where it still fits (weight only grows),
else swap out the single meeting that blocks it (an attendee's, or one at the full
place when both sides are free) when that meeting weighs no more and its attendees all
keep at least one other meeting. Level 1's value never drops and nobody
who had a meeting loses their last one.
"""

from __future__ import annotations

import time
from collections import Counter

from scheduler.candidates import Catalog
from scheduler.ledger import Ledger

Chosen = list[tuple[int, str | None]]


def serve_unserved(cat: Catalog, chosen: Chosen, deadline: float, frozen: set[str]) -> Chosen:
    """Give as many participants with no meeting a meeting as insertions and swaps allow.

    Args:
        cat: the candidate catalogue.
        chosen: the schedule as (candidate index, third-seat person) pairs.
        deadline: `time.perf_counter()` value to stop at.
        frozen: requests that must not be swapped out (locks, published meetings).

    Returns:
        The new schedule (weight ≥ before; nobody served before is left with none).
    """
    led = Ledger(cat)
    current: dict[str, tuple[int, str | None]] = {}
    at: dict[tuple[str, int], str] = {}  # (person, slot) → request met there
    count: Counter[str] = Counter()

    place_at: dict[tuple[str, int], set[str]] = {}  # (place, slot) → requests there

    def book(i: int, third: str | None) -> None:
        c = cat.candidates[i]
        led.add(c, third)
        current[c.request] = (i, third)
        for t in c.slots:
            place_at.setdefault((c.place, t), set()).add(c.request)
        seats = [*cat.requests[c.request].people, *([third] if third else [])]
        for pid in seats:
            for t in c.slots:
                at[(pid, t)] = c.request
        for pid in cat.requests[c.request].people:
            count[pid] += 1

    def unbook(rid: str) -> tuple[int, str | None]:
        i, third = current.pop(rid)
        c = cat.candidates[i]
        led.remove(c, third)
        for t in c.slots:
            place_at[(c.place, t)].discard(rid)
        seats = [*cat.requests[rid].people, *([third] if third else [])]
        for pid in seats:
            for t in c.slots:
                at.pop((pid, t), None)
        for pid in cat.requests[rid].people:
            count[pid] -= 1
        return i, third

    for i, third in chosen:
        book(i, third)
    by_person: dict[str, list[str]] = {}
    for rid, idx in cat.by_request.items():
        if idx:
            for pid in cat.requests[rid].people:
                by_person.setdefault(pid, []).append(rid)
    fixed = set(cat.forced) | frozen
    for pid in sorted(by_person):
        if count[pid] > 0:
            continue
        if time.perf_counter() >= deadline:
            break
        options = sorted(by_person[pid], key=lambda r: -cat.requests[r].weight)
        done = False
        for rid in options:
            if rid in current:
                continue
            for i in cat.by_request[rid]:
                ok, third = led.fits(cat.candidates[i])
                if ok:
                    book(i, third)
                    done = True
                    break
            if done:
                break
        if done:
            continue
        for rid in options:
            if done or rid in current:
                break
            req = cat.requests[rid]
            for i in cat.by_request[rid]:
                c = cat.candidates[i]
                blockers = {at[(q, t)] for q in req.people for t in c.slots if (q, t) in at}
                if not blockers:
                    # both sides free: the place (or a third seat) is what is taken
                    blockers = {
                        rid2 for rid2 in place_at.get((c.place, c.start), ()) if rid2 in current
                    }
                    tries = sorted(blockers, key=lambda r: cat.requests[r].weight)
                elif len(blockers) == 1:
                    tries = list(blockers)
                else:
                    continue
                for other in tries:
                    o_req = cat.requests[other]
                    if other in fixed or o_req.weight > req.weight:
                        continue
                    if any(count[q] < 2 for q in o_req.people):
                        continue
                    saved = unbook(other)
                    ok, third = led.fits(c)
                    if ok:
                        book(i, third)
                        done = True
                        break
                    book(*saved)
                if done:
                    break
    return list(current.values())
