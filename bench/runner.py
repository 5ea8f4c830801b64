"""Benchmark runner: FCFS, greedy and our solver on named fairs, side by side.

Pure: the caller supplies the `Problem`s (the product's seeded video and expo fairs, via
`fair bench scheduler`). Each method runs in a fresh child process so that its peak
resident memory (VmHWM, which counts the C++ solver's memory that tracemalloc cannot see)
is its own. Every schedule goes through the independent validator; any violation raises.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from scheduler.baselines import fcfs, greedy
from scheduler.diff import diff
from scheduler.metrics import figures
from scheduler.problem import Options, Problem, Result
from scheduler.solve import solve
from scheduler.validate import validate

METHODS = ("fcfs", "greedy", "ours")


@dataclass(frozen=True)
class Row:
    """One method on one fair."""

    scale: str
    method: str
    requests: int
    scheduled: int
    weight: int
    bound: float  # best proven upper bound on the weight (from our solver's level 1)
    pct_of_bound: float
    people_with_none: int
    idle_slots: int
    idle_per_person: float
    edge_meetings: int
    table_changes: int
    seconds: float
    cpu_seconds: float  # CPU time of the method's process, all threads (the machine is shared)
    level1_seconds: float
    peak_mb: float
    status: str
    seed: int
    workers: int


class ValidationError(AssertionError):
    """A benchmarked schedule broke a hard constraint."""


def _peak_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Measured = tuple[Result, float, float, float]  # result, wall s, peak MB, CPU s


def _run_method(method: str, problem: Problem, options: Options) -> Measured:
    started = time.perf_counter()
    cpu = time.process_time()
    if method == "fcfs":
        result = fcfs(problem)
    elif method == "greedy":
        result = greedy(problem)
    else:
        result = solve(problem, options)
    return result, time.perf_counter() - started, _peak_mb(), time.process_time() - cpu


def _child(method: str, problem: Problem, options: Options, out: Any) -> None:
    out.send(_run_method(method, problem, options))
    out.close()


def run_isolated(method: str, problem: Problem, options: Options) -> Measured:
    """Run one method in a fresh (spawned) process.

    The calling program must guard its entry point with `if __name__ == "__main__":`
    (spawn re-imports it); `fair bench` and `python -m` modules do.

    Returns:
        (result, wall seconds of the method, peak resident memory of that process in MB,
        CPU seconds of the method over all its threads).
    """
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(method, problem, options, send))
    proc.start()
    send.close()
    try:
        # poll so a child that dies (e.g. a caller script without a __main__ guard, which
        # spawn re-imports) fails the benchmark instead of hanging it
        while not recv.poll(0.5):
            if not proc.is_alive():
                raise RuntimeError(f"benchmark child for {method} exited ({proc.exitcode})")
        got: Measured = recv.recv()
    finally:
        proc.join()
    return got


def run(
    problems: Mapping[str, Problem],
    options: Options,
    methods: Sequence[str] = METHODS,
    isolate: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Row]:
    """Benchmark `methods` on every named problem.

    Args:
        problems: scale name → fair.
        options: options for our solver (time limit, workers, seed are recorded).
        methods: any of "fcfs", "greedy", "ours".
        isolate: run each method in its own process (needed for honest peak memory).
        progress: called with a line of text as each method finishes.

    Returns:
        One `Row` per (problem, method).

    Raises:
        ValidationError: when any schedule violates a hard constraint.
    """
    rows: list[Row] = []
    for scale, problem in problems.items():
        got: dict[str, Measured] = {}
        for method in methods:
            got[method] = (
                run_isolated(method, problem, options)
                if isolate
                else _run_method(method, problem, options)
            )
            errors = validate(problem, got[method][0].assignments)
            if errors:
                raise ValidationError(f"{scale}/{method}: " + "; ".join(errors[:10]))
            if progress is not None:
                progress(f"{scale}/{method}: {got[method][1]:.1f}s")
        bound = math.inf
        if "ours" in got and got["ours"][0].levels:
            bound = got["ours"][0].levels[0].bound
        best = max(_weight(problem, r) for r, _, _, _ in got.values())
        ref = bound if math.isfinite(bound) else float(best)
        for method, (result, seconds, peak, cpu) in got.items():
            f = figures(problem, result.assignments)
            lvl1 = result.levels[0].seconds if result.levels else seconds
            rows.append(
                Row(
                    scale=scale,
                    method=method,
                    requests=len(problem.requests),
                    scheduled=f.scheduled,
                    weight=f.weight,
                    bound=bound,
                    pct_of_bound=100.0 * f.weight / ref if ref else 100.0,
                    people_with_none=f.people_with_none,
                    idle_slots=f.idle_slots,
                    idle_per_person=round(f.idle_per_person, 3),
                    edge_meetings=f.edge_meetings,
                    table_changes=f.table_changes,
                    seconds=round(seconds, 2),
                    cpu_seconds=round(cpu, 2),
                    level1_seconds=round(lvl1, 2),
                    peak_mb=round(peak, 1),
                    status=result.status.value,
                    seed=options.seed,
                    workers=options.workers,
                )
            )
    return rows


def _weight(problem: Problem, result: Result) -> int:
    w = {r.id: r.weight for r in problem.requests}
    return sum(w[a.request] for a in result.assignments)


COLUMNS = (
    ("scale", "scale", "{}"),
    ("method", "method", "{}"),
    ("requests", "requests", "{}"),
    ("scheduled", "scheduled", "{}"),
    ("weight", "weight", "{}"),
    ("pct_of_bound", "% bound", "{:.2f}"),
    ("people_with_none", "none", "{}"),
    ("idle_slots", "idle", "{}"),
    ("idle_per_person", "idle/pp", "{:.2f}"),
    ("seconds", "s", "{:.1f}"),
    ("cpu_seconds", "cpu s", "{:.1f}"),
    ("level1_seconds", "L1 s", "{:.1f}"),
    ("peak_mb", "peak MB", "{:.0f}"),
    ("status", "status", "{}"),
)


def table(rows: Sequence[Row]) -> str:
    """The rows as an aligned text table, plus our margins over greedy and FCFS."""
    cells = [[head for _, head, _ in COLUMNS]]
    for r in rows:
        d = asdict(r)
        cells.append([fmt.format(d[key]) for key, _, fmt in COLUMNS])
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for scale in dict.fromkeys(r.scale for r in rows):
        mine = {r.method: r for r in rows if r.scale == scale}
        ours = mine.get("ours")
        if ours is None:
            continue
        for other in ("greedy", "fcfs"):
            o = mine.get(other)
            if o is None or not o.weight:
                continue
            more = 100.0 * (ours.weight - o.weight) / o.weight
            lines.append(
                f"{scale}: ours vs {other}: weight {more:+.2f}%, "
                f"meetings {100.0 * (ours.scheduled - o.scheduled) / max(1, o.scheduled):+.2f}%, "
                f"people with none {ours.people_with_none - o.people_with_none:+d}, "
                f"idle per person {ours.idle_per_person - o.idle_per_person:+.2f}"
            )
        if math.isfinite(ours.bound):
            gap = 100.0 * (ours.bound - ours.weight) / ours.bound if ours.bound else 0.0
            lines.append(f"{scale}: level-1 gap to proven bound {ours.bound:.0f}: {gap:.3f}%")
    return "\n".join(lines)


def as_json(rows: Sequence[Row]) -> str:
    """The rows as JSON (bounds that are not finite become null)."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()
        }

    return json.dumps([clean(asdict(r)) for r in rows], indent=2)


@dataclass(frozen=True)
class ResolveRow:
    """A re-solve after a change: how long it took and how much of the grid moved."""

    scale: str
    changed_requests: int
    kept: int
    moved: int
    new: int
    cancelled: int
    moved_per_changed: float
    weight_before: int
    weight_after: int
    seconds: float
    status: str


def run_resolve(
    scale: str,
    before: Problem,
    after: Problem,
    options: Options,
    resolve_options: Options,
) -> ResolveRow:
    """Solve `before`, publish it, then re-solve `after` against it and diff the two.

    Args:
        scale: a label.
        before: the fair as published.
        after: the changed fair (its `previous` is replaced by the published schedule).
        options: options of the first solve.
        resolve_options: options of the re-solve (its time limit is the target).

    Returns:
        The `ResolveRow`.

    Raises:
        ValidationError: when either schedule violates a hard constraint.
    """
    first = solve(before, options)
    if errors := validate(before, first.assignments):
        raise ValidationError(f"{scale}/first: " + "; ".join(errors[:10]))
    published = {a.request: a for a in first.assignments}
    changed = replace(after, previous=published)
    started = time.perf_counter()
    second = solve(changed, resolve_options)
    seconds = time.perf_counter() - started
    if errors := validate(changed, second.assignments):
        raise ValidationError(f"{scale}/re-solve: " + "; ".join(errors[:10]))
    d = diff(published, second.assignments)
    old_ids = {r.id for r in before.requests}
    new_ids = {r.id for r in after.requests}
    n_changed = len(old_ids ^ new_ids)
    return ResolveRow(
        scale=scale,
        changed_requests=n_changed,
        kept=len(d.kept),
        moved=len(d.moved),
        new=len(d.new),
        cancelled=len(d.cancelled),
        moved_per_changed=len(d.moved) / n_changed if n_changed else 0.0,
        weight_before=_weight(before, first),
        weight_after=_weight(changed, second),
        seconds=round(seconds, 2),
        status=second.status.value,
    )
