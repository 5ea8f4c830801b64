"""The compact record of a solver run's progress stored with a version
(`fair.scheduling.Convergence`, drawn on the version page)."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import scheduler.problem as sp
from fair.db import open_database
from fair.loader import import_files
from fair.scheduling import CONVERGENCE_POINTS, Convergence, schedule_fair
from tests.factories import fair_files


def test_convergence_keeps_changes_only_and_no_infinity() -> None:
    track = Convergence()
    track.add({"level": 1.0, "elapsed": 0.1, "value": 3.0, "bound": math.inf})
    track.add({"level": 1.0, "elapsed": 0.2, "value": 3.0, "bound": math.inf})  # same
    track.add({"level": 1.0, "elapsed": 0.3, "value": 5.0, "bound": 9.0, "time_left": 1.0})
    track.add({"level": 2.0, "value": 1.0})  # no time: not a point
    assert track.points == [[1.0, 0.1, 3.0, None], [1.0, 0.3, 5.0, 9.0]]


@given(st.lists(st.integers(1, 4), min_size=1, max_size=2000))
def test_convergence_thinned_keeps_each_levels_last_point(levels: list[int]) -> None:
    levels.sort()
    track = Convergence()
    for i, level in enumerate(levels):
        track.add({"level": level, "elapsed": i, "value": i, "bound": 10_000})
    assert len(track.points) <= CONVERGENCE_POINTS
    last = {level: float(i) for i, level in enumerate(levels)}
    kept = {p[0]: p[1] for p in track.points}  # the last point kept of each level
    assert kept == {float(k): v for k, v in last.items()}


def test_convergence_stored_with_the_version_for_every_level(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'fair.sqlite'}")
    fair_id = import_files(engine, fair_files()).fair_id
    _, figures = schedule_fair(engine, fair_id, sp.Options(time_limit=5, workers=1, seed=0))
    _, greedy = schedule_fair(engine, fair_id, sp.Options(), method="greedy")
    engine.dispose()
    points = figures["convergence"]
    assert {p[0] for p in points} == {float(lv["level"]) for lv in figures["levels"]}
    assert [p[1] for p in points] == sorted(p[1] for p in points)
    for lv in figures["levels"]:  # each level ends at its reported value and bound
        last = [p for p in points if p[0] == lv["level"]][-1]
        assert last[2] is not None and last[3] is not None
    assert "convergence" not in greedy  # a baseline method has no levels to draw
