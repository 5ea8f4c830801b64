"""`fair bench scheduler`: the solver next to FCFS and greedy on the product's own
generated fairs (the runner is `bench.runner`).

Each instance goes through the real path (`bench.fairs`): the seeded generator writes the
import files, the importer loads them into an in-memory SQLite database, and `fair.planning` builds
the scheduler's `Problem`, so the benchmark measures what `fair schedule` would face.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlmodel import Session

from bench.fairs import BENCH_START, imported_in_memory
from fair.planning import build_problem
from scheduler.problem import Problem


def generated_problem(scale: str, seed: int, start: date = BENCH_START) -> Problem:
    """The scheduler's Problem for the generated fair of `scale` and `seed`."""
    with imported_in_memory(scale, seed, start) as (engine, fair_id), Session(engine) as session:
        return build_problem(session, fair_id).problem


def unit_weights(problem: Problem) -> Problem:
    """The same fair with every request weighing 1: the solver then maximises the number
    of meetings, and its level-1 bound caps the meetings any schedule can hold."""
    requests = tuple(dataclasses.replace(r, weight=1) for r in problem.requests)
    return dataclasses.replace(problem, requests=requests)


@contextmanager
def busy_loops(n: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`n` processes that spin until the block ends: a machine with that many cores
    taken by others. On this 2-core machine two of them halve the CPU a solve gets, as
    on the slow minutes when a 20M-step Python loop took twice as long."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def _limits(text: str) -> dict[str, float]:
    """`video=20,mega=300` → {"video": 20.0, "mega": 300.0}; a bad item names itself."""
    out: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        scale, _, seconds = item.partition("=")
        try:
            out[scale.strip()] = float(seconds)
        except ValueError:
            raise SystemExit(f"--limits: {item!r} is not scale=seconds") from None
    return out


def main(argv: list[str]) -> int:
    """`fair bench scheduler`: FCFS, greedy and our solver on the generated fairs."""
    import argparse
    import logging

    from bench.runner import as_json, run, table
    from scheduler.problem import Options

    parser = argparse.ArgumentParser(
        prog="fair bench scheduler",
        description="Schedule the seeded generated fairs with first-come-first-served, "
        "greedy by weight and the solver; every schedule is checked by the validator.",
    )
    parser.add_argument(
        "--scales", default="video,expo", help="comma list of small,video,expo,tight,mega"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator and solver seed")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver seconds")
    parser.add_argument(
        "--limits",
        default="video=20,mega=300",
        help="per-scale solver seconds, overriding --time-limit (scale=seconds,...)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="processes that spin beside every method (2 on 2 cores: half the machine)",
    )
    parser.add_argument(
        "--count",
        action="store_true",
        help="weigh every request 1 (maximise meetings; the bound caps the meeting count)",
    )
    args = parser.parse_args(argv)
    logging.getLogger("scheduler").setLevel(logging.WARNING)
    problems = {}
    for scale in args.scales.split(","):
        print(f"building the {scale} fair (seed {args.seed}) ...", file=sys.stderr, flush=True)
        problem = generated_problem(scale, args.seed)
        problems[scale] = unit_weights(problem) if args.count else problem
    limits = _limits(args.limits)
    rows = []
    for scale, problem in problems.items():
        options = Options(
            time_limit=limits.get(scale, args.time_limit), workers=args.workers, seed=args.seed
        )
        if args.busy:
            print(f"{scale}: {args.busy} busy loops beside it", file=sys.stderr, flush=True)
        with busy_loops(args.busy):
            rows += run(
                {scale: problem},
                options,
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
    print(as_json(rows) if args.json else table(rows))
    return 0
