"""Re-solve with few moves, the diff, gap-fill, freed-slot proposals, stopping, progress."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from scheduler.baselines import greedy
from scheduler.diff import diff
from scheduler.freed import propose_for_freed
from scheduler.problem import Assignment, Mode, Options, PlaceKind, Status
from scheduler.solve import solve
from scheduler.validate import validate
from tests.scheduler.factories import expo_fair, fair, make_fair, person, request

pytestmark = pytest.mark.unit


def test_diff_sorts_kept_moved_new_cancelled() -> None:
    a = Assignment("r1", 0, 1, PlaceKind.ONLINE, "online-1")
    b = Assignment("r2", 1, 1, PlaceKind.ONLINE, "online-1")
    c = Assignment("r3", 2, 1, PlaceKind.ONLINE, "online-1")
    b2 = replace(b, start=3)
    d = Assignment("r4", 0, 1, PlaceKind.ONLINE, "online-2")
    got = diff([a, b, c], [a, b2, d])
    assert got.kept == ("r1",) and got.moved == ((b, b2),)
    assert got.new == ("r4",) and got.cancelled == ("r3",)
    assert got.summary() == {"kept": 1, "moved": 1, "new": 1, "cancelled": 1}


def test_resolve_after_small_change_moves_few() -> None:
    p = make_fair(3, companies=40, requests=200, days=1, slots_per_day=12, tables=6)
    # Only the published weight matters here: level 1 alone, and the re-solve gets the
    # time (level 4 runs right after level 1, so a loaded machine cannot squeeze it out).
    first = solve(p, Options(time_limit=5, workers=1, levels=1))
    rng = random.Random(0)
    drop = set(rng.sample([r.id for r in p.requests], 5))
    extra = [
        replace(r, id=f"n{i}", arrival=999 + i) for i, r in enumerate(rng.sample(p.requests, 5))
    ]
    extra = [
        replace(r, side_a=p.requests[i].side_a, company_a=p.requests[i].company_a)
        for i, r in enumerate(extra)
    ]
    extra = [r for r in extra if not set(r.side_a) & set(r.side_b)]
    p2 = replace(
        p,
        requests=tuple(r for r in p.requests if r.id not in drop) + tuple(extra),
        previous={a.request: a for a in first.assignments},
    )
    second = solve(p2, Options(time_limit=8, workers=1, levels=4))
    assert validate(p2, second.assignments) == []
    d = diff(first.assignments, second.assignments)
    assert len(d.moved) < 2 * (len(drop) + len(extra))
    assert [lv.level for lv in second.levels][:2] == [1, 4]


def test_resolve_of_expo_fair_at_the_default_limit_runs_the_lp() -> None:
    # Issue 16: a re-solve of a large fair at the default 30 s skipped the LP (the rule
    # measured the time left after building the model and less a reserve, always under
    # 30 s) and returned the published grid with greedy's weight and no bound.
    p = expo_fair(1)
    published = greedy(p)
    weights = {r.id: r.weight for r in p.requests}
    before = sum(weights[a.request] for a in published.assignments)
    p2 = replace(p, previous={a.request: a for a in published.assignments})
    res = solve(p2, Options())  # the default time limit
    level1 = res.levels[0]
    assert level1.level == 1
    assert math.isfinite(level1.bound), "a default re-solve must report a level-1 bound"
    assert before <= level1.value <= level1.bound
    assert sum(weights[a.request] for a in res.assignments) == level1.value
    assert validate(p2, res.assignments) == []


def test_freed_slot_proposes_waiting_pair_that_is_free() -> None:
    people = [person("star"), person("a"), person("b"), person("c")]
    reqs = [
        request("r1", "a", "star", mode=Mode.ONLINE, weight=3),
        request("r2", "b", "star", mode=Mode.ONLINE, weight=2),
        request("r3", "c", "star", mode=Mode.ONLINE, weight=1),
    ]
    p = fair(people, reqs, slots_per_day=1)
    res = solve(p, Options(time_limit=2, workers=1, levels=1))
    (meeting,) = res.assignments
    props = propose_for_freed(p, res.assignments, meeting, now_slot=0)
    assert [x.request for x in props] == ["r2", "r3"]
    assert validate(p, [props[0].assignment]) == []
    assert propose_for_freed(p, res.assignments, meeting, now_slot=1) == []
    # A pair that had its slot (a no-show, a cancelled meeting) is not offered another.
    props = propose_for_freed(p, res.assignments, meeting, now_slot=0, exclude=["r2"])
    assert [x.request for x in props] == ["r3"]
    assert len(propose_for_freed(p, res.assignments, meeting, now_slot=0, limit=1)) == 1


def test_freed_slot_respects_place_and_busy_people() -> None:
    people = [person("a"), person("b"), person("c"), person("d")]
    reqs = [
        request("r1", "a", "b", mode=Mode.ONLINE),
        request("r2", "c", "d", mode=Mode.IN_PERSON),  # in person: cannot take a video room
        request("r3", "a", "c", mode=Mode.ONLINE),  # a is busy in r1's slot? no: r1 is freed
    ]
    p = fair(people, reqs, slots_per_day=1)
    freed = Assignment("r1", 0, 1, PlaceKind.ONLINE, "online-1")
    props = propose_for_freed(p, [freed], freed, now_slot=0)
    assert [x.request for x in props] == ["r3"]


def test_stop_keeps_best_schedule() -> None:
    p = make_fair(1, companies=40, requests=200, days=1, slots_per_day=12, tables=6)
    res = solve(p, Options(time_limit=10, workers=1), stop=lambda: True)
    assert res.status is Status.STOPPED
    assert validate(p, res.assignments) == [] and len(res.assignments) > 0


def test_progress_reports_level_value_bound_time() -> None:
    p = make_fair(2, companies=40, requests=200, days=1, slots_per_day=12, tables=6)
    seen: list[dict[str, float]] = []
    solve(p, Options(time_limit=5, workers=1, levels=3), progress=seen.append)
    assert seen and set(seen[0]) == {"level", "value", "bound", "elapsed", "time_left"}


def test_ctrl_c_during_solve_keeps_best_schedule() -> None:
    p = make_fair(9, companies=40, requests=200, days=1, slots_per_day=12, tables=6)

    def interrupt(info: dict[str, float]) -> None:
        raise KeyboardInterrupt  # what Ctrl-C looks like on the main thread

    res = solve(p, Options(time_limit=10, workers=1), progress=interrupt)
    assert res.status is Status.STOPPED
    assert validate(p, res.assignments) == [] and res.assignments
