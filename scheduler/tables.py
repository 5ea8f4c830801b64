"""Turning pool-level meetings into concrete tables and online rooms.

The model only counts meetings per pool and slot (one variable per table was 150x slower).
Because meetings are intervals, numbering them in start order always finds a free table
when the per-slot counts fit (interval-graph colouring). Among the free tables we prefer,
in turn: the table the meeting had in the published version, then the table one of its
attendees sat at in their previous meeting, which keeps people from changing tables.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.candidates import ONLINE, Candidate, Catalog
from scheduler.problem import Assignment, PlaceKind


def online_room(n: int) -> str:
    """Id of the n-th (0-based) online video room."""
    return f"online-{n + 1}"


def _place_units(catalog: Catalog, cand: Candidate) -> list[tuple[str, int]]:
    """Concrete units (table or room id, capacity) of a pool-level place."""
    if cand.kind is PlaceKind.TABLE:
        pool = catalog.problem.table_pools.get(cand.place)
        if pool is None:
            return [(cand.place, 1)]  # a lock's table whose pool is gone
        caps = pool.capacity or tuple(1 for _ in pool.tables)
        return list(zip(pool.tables, caps, strict=True))
    cap = catalog.problem.online_capacity
    return [(online_room(i), 1) for i in range(cap)] if cap is not None else []


def _pick(
    catalog: Catalog,
    cand: Candidate,
    use: dict[str, defaultdict[int, int]],
    prefs: list[str],
) -> str:
    """A free unit for `cand`: a preferred one if free, else the first free one."""

    def free(unit: str, cap: int) -> bool:
        row = use.get(unit)
        return row is None or all(row[t] < cap for t in cand.slots)

    if cand.place == ONLINE and catalog.problem.online_capacity is None:
        # unlimited video rooms: any preferred room that is free, else the lowest free one
        for u in prefs:
            if u.startswith("online-") and free(u, 1):
                return u
        n = 0
        while not free(online_room(n), 1):
            n += 1
        return online_room(n)
    units = _place_units(catalog, cand)
    caps = dict(units)
    for u in prefs:
        if u in caps and free(u, caps[u]):
            return u
    for u, cap in units:
        if free(u, cap):
            return u
    return units[0][0]  # counts fit by construction; only clashing locks end here


def number_places(catalog: Catalog, chosen: list[tuple[Candidate, str | None]]) -> list[Assignment]:
    """Give every chosen meeting a concrete table or online room.

    Args:
        catalog: the problem's candidate catalogue.
        chosen: the scheduled candidates with their third-seat person.

    Returns:
        One `Assignment` per chosen candidate, in start order.
    """
    problem = catalog.problem
    previous = dict(problem.previous)
    for req in problem.requests:
        if req.lock is not None:
            previous[req.id] = req.lock
    use: dict[str, defaultdict[int, int]] = defaultdict(lambda: defaultdict(int))
    last_place: dict[str, str] = {}
    out: list[Assignment] = []
    order = sorted(
        chosen,
        key=lambda c: (c[0].start, catalog.requests[c[0].request].lock is None, c[0].request),
    )
    # locks, and meetings still where the published version had them, keep their exact
    # table or room: reserve those first so nobody else is numbered onto them
    reserved: dict[str, str] = {}
    for cand, _ in chosen:
        prev = previous.get(cand.request)
        if prev is None or prev.start != cand.start or prev.kind is not cand.kind:
            continue
        if cand.kind is PlaceKind.BOOTH:
            continue
        units = dict(_place_units(catalog, cand)) if cand.place != ONLINE else {}
        if cand.kind is PlaceKind.TABLE and prev.place_id not in units:
            continue
        cap = units.get(prev.place_id, 1)
        if catalog.requests[cand.request].lock is None and any(
            use[prev.place_id][t] >= cap for t in cand.slots
        ):
            continue
        reserved[cand.request] = prev.place_id
        for t in cand.slots:
            use[prev.place_id][t] += 1
    for cand, third in order:
        req = catalog.requests[cand.request]
        if req.id in reserved:
            place = reserved[req.id]
        elif cand.kind is PlaceKind.BOOTH:
            place = cand.place
        else:
            prefs: list[str] = []
            prev = previous.get(req.id)
            if prev is not None and prev.kind is cand.kind:
                prefs.append(prev.place_id)
            prefs.extend(last_place[p] for p in req.people if p in last_place)
            place = _pick(catalog, cand, use, prefs)
            for t in cand.slots:
                use[place][t] += 1
        for p in req.people:
            last_place[p] = place
        out.append(Assignment(req.id, cand.start, cand.length, cand.kind, place, third))
    return out
