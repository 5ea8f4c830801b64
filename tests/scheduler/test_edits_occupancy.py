"""`Occupancy.remove` takes back `add` exactly, so a cached index can follow edits."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.edits import Occupancy
from scheduler.problem import Assignment, PlaceKind
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit


def state(occ: Occupancy) -> tuple[object, ...]:
    return (
        set(occ.person_slot),
        {k: sorted(v) for k, v in occ.place_slot.items() if v},
        +occ.online_slot,
        +occ.per_day,
        +occ.total,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), data=st.data())
def test_remove_takes_back_add(seed: int, data: st.DataObject) -> None:
    p = make_fair(seed, companies=6, requests=12, days=2, slots_per_day=3, tables=2)
    places = [(PlaceKind.ONLINE, "online-0"), (PlaceKind.ONLINE, "online-1")] + [
        (PlaceKind.TABLE, t) for pool in p.table_pools.values() for t in pool.tables
    ]

    def anywhere(rid: str) -> Assignment:
        kind, place = data.draw(st.sampled_from(places))
        return Assignment(rid, data.draw(st.integers(0, len(p.slots) - 2)), 1, kind, place)

    ids = [r.id for r in p.requests]
    chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    schedule = {rid: anywhere(rid) for rid in chosen}  # double bookings included
    occ = Occupancy(p, schedule.values())
    for _ in range(data.draw(st.integers(1, 8))):
        rid = data.draw(st.sampled_from(chosen))
        occ.remove(schedule[rid])
        schedule[rid] = anywhere(rid)
        occ.add(schedule[rid])
        fresh = Occupancy(p, schedule.values())
        assert state(occ) == state(fresh)
