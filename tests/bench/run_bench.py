"""Development benchmark on the test factories' fairs (not the product's generator).

    .venv/bin/python -m tests.bench.run_bench [--json] [--time 60] [--scales video,expo]

The product's benchmark (`fair bench scheduler`) feeds the seeded fairs of
`fair.sample.generate` to the same `bench.runner.run`.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from dataclasses import replace

from bench.runner import as_json, run, run_resolve, table
from scheduler.problem import Options, Problem
from tests.scheduler.factories import expo_fair, small_fair, video_fair

SCALES = {
    "small": lambda seed: small_fair(seed),
    "video": lambda seed: video_fair(seed),
    "expo": lambda seed: expo_fair(seed),
    "tight": lambda seed: expo_fair(seed, requests=12000),
}


def changed(p: Problem, seed: int) -> Problem:
    """The fair after 5% of its requests changed: 2.5% withdrawn, 2.5% new."""
    rng = random.Random(seed)
    n = len(p.requests) // 40
    drop = set(rng.sample([r.id for r in p.requests], n))
    kept = [r for r in p.requests if r.id not in drop]
    new = []
    for i, (d, o) in enumerate(zip(rng.sample(kept, n), rng.sample(kept, n), strict=True)):
        if not set(o.side_a) & set(d.side_b):
            new.append(replace(d, id=f"new{i}", side_a=o.side_a, company_a=o.company_a))
    return replace(p, requests=tuple(kept + new))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="small,video,expo,tight")
    ap.add_argument("--time", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--resolve", action="store_true", help="re-solve after a 5% change")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    problems = {s: SCALES[s](args.seed) for s in args.scales.split(",")}
    opts = Options(time_limit=args.time, workers=args.workers, seed=args.seed)
    if args.resolve:
        for scale, p in problems.items():
            row = run_resolve(scale, p, changed(p, args.seed), opts, replace(opts, time_limit=10))
            print(row)
        return
    rows = run(problems, opts, progress=lambda line: print(line, file=sys.stderr))
    print(as_json(rows) if args.json else table(rows))


if __name__ == "__main__":
    main()
