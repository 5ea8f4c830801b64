"""Development benchmark on the test factories' fairs (not the product's generator).

    .venv/bin/python -m tests.scheduler.run_bench [--json] [--time 60] [--scales video,expo]

The product's benchmark (`fair bench scheduler`) feeds the seeded fairs of
`fair.generate` to the same `scheduler.bench.run`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scheduler.bench import as_json, run, table
from scheduler.problem import Options
from tests.scheduler.factories import expo_fair, small_fair, video_fair

SCALES = {
    "small": lambda seed: small_fair(seed),
    "video": lambda seed: video_fair(seed),
    "expo": lambda seed: expo_fair(seed),
    "tight": lambda seed: expo_fair(seed, requests=12000),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="small,video,expo,tight")
    ap.add_argument("--time", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    problems = {s: SCALES[s](args.seed) for s in args.scales.split(",")}
    opts = Options(time_limit=args.time, workers=args.workers, seed=args.seed)
    rows = run(problems, opts, progress=lambda line: print(line, file=sys.stderr))
    print(as_json(rows) if args.json else table(rows))


if __name__ == "__main__":
    main()
