"""Objective terms of levels 2–4, one small builder each.

Each builder adds its auxiliary variables and constraints to a `Restricted` CP-SAT model
and returns the CP-SAT expression of its contribution; it also registers how to derive
its auxiliary variables from a schedule, so hints are always complete. The helpers at
the end relate a schedule to the published version (`Problem.previous`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from scheduler.cpsat import Restricted
from scheduler.model import Variables
from scheduler.problem import PlaceKind

DAY_START, DAY_END = clock(9, 0), clock(18, 0)  # a person's comfortable local day
MAX_MIN_MEETINGS = 8  # cap of the "minimum meetings per participant" staircase


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
