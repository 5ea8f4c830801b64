"""The schedule use case: read the fair, solve, store a draft version.

The solver runs in the calling thread (the web app calls this from an executor); its
`progress` callback and `stop` predicate come from the caller, so the CLI can print
progress and stop on Ctrl-C and the web app can push progress over socket.io.
"""

from __future__ import annotations

from collections.abc import Callable
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
    if method == "fcfs":
        result = fcfs(planning.problem)
    elif method == "greedy":
        result = greedy(planning.problem)
    else:
        result = solve(planning.problem, options, progress=progress, stop=stop)
    with session_scope(engine) as session:
        version = store_result(session, planning, result, options)
        return version.number, dict(version.figures)
