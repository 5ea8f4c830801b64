"""The schedule use case: read the fair, solve, store a draft version.

The solver runs in the calling thread (the web app calls this from an executor); its
`progress` callback and `stop` predicate come from the caller, so the CLI can print
progress and stop on Ctrl-C and the web app can push progress over socket.io.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

import scheduler.problem as sp
from fair.db import session_scope
from fair.planning import build_problem, store_result
from fair.settings import Settings
from scheduler.baselines import fcfs, greedy
from scheduler.solve import solve

METHODS = ("ours", "greedy", "fcfs")


def solver_options(settings: Settings, **overrides: Any) -> sp.Options:
    """The solver's options from settings (time limit, workers, seed), with overrides."""
    values: dict[str, Any] = {
        "time_limit": settings.solver_time_limit,
        "workers": settings.solver_workers,
        "seed": settings.solver_seed,
    }
    return sp.Options(**{**values, **overrides})


CONVERGENCE_POINTS = 240  # at most this many points of a run's progress are kept


@dataclass
class Convergence:
    """A compact record of a run's progress: `[level, elapsed, value, bound]` points
    (seconds; None for a bound not known yet), stored in the version's figures so the
    version page can draw how the solver closed in on its bound. Past
    `CONVERGENCE_POINTS` every other point is dropped, keeping each level's last."""

    points: list[list[float | None]] = field(default_factory=list)

    def add(self, info: dict[str, Any]) -> None:
        def num(key: str) -> float | None:
            x = info.get(key)
            if not isinstance(x, int | float) or not math.isfinite(x):
                return None
            return round(float(x), 3)

        level, elapsed = num("level"), num("elapsed")
        if level is None or elapsed is None:
            return
        point = [level, elapsed, num("value"), num("bound")]
        last = self.points[-1] if self.points else None
        if last is not None and last[0] == level and last[2:] == point[2:]:
            return  # nothing new to draw
        self.points.append(point)
        if len(self.points) > CONVERGENCE_POINTS:
            ends = {i for i, p in enumerate(self.points[:-1]) if p[0] != self.points[i + 1][0]}
            self.points = [
                p
                for i, p in enumerate(self.points)
                if i % 2 == 0 or i in ends or i == len(self.points) - 1
            ]

    def finish(self, levels: Sequence[sp.LevelReport]) -> None:
        """Add each level's final value and bound at the time it ended, for a level that
        reported no progress (one the LP rounding closed before any search)."""
        seen = {p[0] for p in self.points}
        ended = 0.0
        for lv in levels:
            ended += lv.seconds
            if float(lv.level) not in seen:
                self.add(
                    {"level": lv.level, "elapsed": ended, "value": lv.value, "bound": lv.bound}
                )
        self.points.sort(key=lambda p: (p[1] or 0.0, p[0] or 0.0))


def schedule_fair(
    engine: Engine,
    fair_id: int,
    options: sp.Options,
    method: str = "ours",
    progress: Callable[[dict[str, Any]], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Solve the fair with `method` and store a draft; returns (version number, figures)."""
    with Session(engine) as session:
        planning = build_problem(session, fair_id)
    track = Convergence()
    if method == "fcfs":
        result = fcfs(planning.problem)
    elif method == "greedy":
        result = greedy(planning.problem)
    else:

        def record(info: dict[str, Any]) -> None:
            track.add(info)
            if progress is not None:
                progress(info)

        result = solve(planning.problem, options, progress=record, stop=stop)
        track.finish(result.levels)
    extra = {"convergence": track.points} if track.points else {}
    with session_scope(engine) as session:
        version = store_result(session, planning, result, options, extra)
        return version.number, dict(version.figures)
