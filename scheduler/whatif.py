"""What-if levers: which bit of extra capacity would schedule the most left-out requests.

Each lever is tried on its own: more tables in one pavilion's pool for one block of one
day, one more slot at the end of a day, an hour more availability for a person who is in
many left-out requests. For counting we keep the current schedule as it is and insert
left-out requests greedily by weight with the extra capacity (fast, and a lower bound:
a re-solve with the lever can only do better).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.baselines import construct
from scheduler.candidates import Catalog, build_catalog, candidate_of
from scheduler.ledger import Ledger
from scheduler.problem import Assignment, Person, Problem, Result, Slot


@dataclass(frozen=True)
class Lever:
    """One extra piece of capacity and how many left-out requests it would schedule.

    Besides the sentence in `text` (in the fair's zone), a lever carries what it changes,
    so a caller can show it in its own words and apply it: for "tables", `tables` more
    in pool `pool` during `start`–`end` of day `day`; for "slot", one slot `start`–`end`
    after the last of day `day`; for "hours", an hour more for `person` (`earlier` start
    or later end) in each of their windows.
    """

    kind: str  # "tables", "slot", "hours"
    text: str
    meetings: int
    requests: tuple[str, ...]
    pool: str = ""
    tables: int = 0
    day: int = 0
    start: datetime | None = None
    end: datetime | None = None
    person: str = ""
    earlier: bool = False


def _ledger(cat: Catalog, assignments: tuple[Assignment, ...]) -> Ledger:
    led = Ledger(cat)
    for a in assignments:
        if a.request in cat.requests:
            led.add(candidate_of(cat, a), a.third_seat)
    return led


def _insert(cat: Catalog, led: Ledger, requests: list[str]) -> list[str]:
    """Left-out requests that greedy adds to the ledger's schedule; then undone."""
    order = sorted(
        (cat.requests[r] for r in requests if cat.by_request.get(r)),
        key=lambda r: (-r.weight, r.arrival, r.id),
    )
    added = construct(cat, order, ledger=led)
    for i, third in added:
        led.remove(cat.candidates[i], third)
    return [cat.candidates[i].request for i, _ in added]


def _gain(
    cat: Catalog,
    assignments: tuple[Assignment, ...],
    left_out: list[str],
) -> list[str]:
    """Left-out requests that greedy can add to the unchanged schedule."""
    return _insert(cat, _ledger(cat, assignments), left_out)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def _table_levers(
    problem: Problem, cat: Catalog, result: Result, left_out: list[str], zone: ZoneInfo, extra: int
) -> list[Lever]:
    blocks: dict[int, list[Slot]] = {}
    for s in problem.slots:
        blocks.setdefault(s.block, []).append(s)
    # only pools and blocks that some left-out request could use
    wanted: Counter[tuple[str, int]] = Counter()
    for rid in left_out:
        for i in cat.by_request.get(rid, []):
            c = cat.candidates[i]
            if c.place in problem.table_pools:
                wanted[(c.place, problem.slots[c.start].block)] += 1
    led = _ledger(cat, result.assignments)
    already = set(_insert(cat, led, left_out))  # fits even without a lever
    out = []
    for (pool_id, block), _ in wanted.most_common(40):
        slots = blocks[block]
        relevant = [
            rid
            for rid in left_out
            if any(
                cat.candidates[i].place == pool_id
                and problem.slots[cat.candidates[i].start].block == block
                for i in cat.by_request.get(rid, [])
            )
        ]
        led.extra = {(pool_id, s.index): extra for s in slots}
        gained = [r for r in _insert(cat, led, relevant) if r not in already]
        led.extra = {}
        if not gained:
            continue
        pav = problem.table_pools[pool_id].pavilion
        text = (
            f"{extra} more table{'s' if extra > 1 else ''} in the {pav} pavilion on day "
            f"{slots[0].day + 1} {_clock(slots[0].start, zone)}–{_clock(slots[-1].end, zone)} "
            f"would schedule {len(gained)} more meeting{'s' if len(gained) > 1 else ''}"
        )
        out.append(
            Lever(
                "tables",
                text,
                len(gained),
                tuple(gained),
                pool=pool_id,
                tables=extra,
                day=slots[0].day,
                start=slots[0].start,
                end=slots[-1].end,
            )
        )
    return out


def _slot_levers(
    problem: Problem, result: Result, left_out: list[str], zone: ZoneInfo, already: set[str]
) -> list[Lever]:
    out = []
    days = sorted({s.day for s in problem.slots})
    top_block = max(s.block for s in problem.slots)
    for n, day in enumerate(days):
        last = max((s for s in problem.slots if s.day == day), key=lambda s: s.index)
        extra = Slot(
            index=len(problem.slots),
            start=last.end,
            end=last.end + (last.end - last.start),
            day=day,
            block=top_block + 1 + n,
        )
        bigger = replace(problem, slots=(*problem.slots, extra))
        cat = build_catalog(bigger, only=set(left_out))
        gained = [r for r in _gain(cat, result.assignments, left_out) if r not in already]
        if gained:
            text = (
                f"one more slot at the end of day {day + 1} "
                f"({_clock(extra.start, zone)}–{_clock(extra.end, zone)}) would schedule "
                f"{len(gained)} more meeting{'s' if len(gained) > 1 else ''}"
            )
            out.append(
                Lever(
                    "slot",
                    text,
                    len(gained),
                    tuple(gained),
                    day=day,
                    start=extra.start,
                    end=extra.end,
                )
            )
    return out


def _widen(person: Person, earlier: bool) -> Person:
    hour = timedelta(hours=1)
    windows = []
    for lo, hi in person.windows:
        base = datetime(2000, 1, 2)
        lo_dt, hi_dt = datetime.combine(base, lo), datetime.combine(base, hi)
        if earlier:
            lo_dt = max(lo_dt - hour, datetime.combine(base, time(0)))
        else:
            hi_dt = min(hi_dt + hour, datetime.combine(base, time(23, 59)))
        windows.append((lo_dt.time(), hi_dt.time()))
    return replace(person, windows=tuple(windows))


def _hour_levers(
    problem: Problem, result: Result, left_out: list[str], people: int, already: set[str]
) -> list[Lever]:
    reqs = {r.id: r for r in problem.requests}
    often: Counter[str] = Counter(p for rid in left_out for p in reqs[rid].people)
    out = []
    for pid, _ in often.most_common(people):
        person = problem.people.get(pid)
        if person is None or not person.windows:
            continue
        mine = [rid for rid in left_out if pid in reqs[rid].people]
        for earlier in (True, False):
            changed = replace(problem, people={**problem.people, pid: _widen(person, earlier)})
            cat = build_catalog(changed, only=set(mine))
            gained = [r for r in _gain(cat, result.assignments, mine) if r not in already]
            if gained:
                when = "earlier start" if earlier else "later end"
                text = (
                    f"one more hour of availability for {pid} ({when}, {person.timezone}) "
                    f"would schedule {len(gained)} more meeting{'s' if len(gained) > 1 else ''}"
                )
                out.append(
                    Lever("hours", text, len(gained), tuple(gained), person=pid, earlier=earlier)
                )
    return out


def what_if(
    problem: Problem,
    result: Result,
    zone: str = "UTC",
    tables: tuple[int, ...] = (1, 2),
    people: int = 5,
    limit: int = 5,
) -> list[Lever]:
    """Try candidate extra capacity and rank levers by meetings gained.

    Args:
        problem: the fair.
        result: its schedule (any method).
        zone: the fair's time zone, for the times in the texts.
        tables: how many extra tables per pool and block to try.
        people: how many of the most-affected people to try an extra hour for.
        limit: how many levers to return.

    Returns:
        Up to `limit` levers, most meetings gained first (ties: the smaller change).
    """
    placed = {a.request for a in result.assignments}
    left_out = [r.id for r in problem.requests if r.id not in placed]
    if not left_out:
        return []
    tz = ZoneInfo(zone)
    cat = build_catalog(problem, only=set(left_out))
    levers: list[Lever] = []
    for n in tables:
        levers += _table_levers(problem, cat, result, left_out, tz, n)
    already = set(_gain(cat, result.assignments, left_out))
    levers += _slot_levers(problem, result, left_out, tz, already)
    levers += _hour_levers(problem, result, left_out, people, already)
    cost = {"hours": 0, "slot": 1, "tables": 2}
    levers.sort(key=lambda lv: (-lv.meetings, cost[lv.kind], lv.text))
    return levers[:limit]
