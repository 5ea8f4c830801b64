"""The web benchmark's command line (`fair bench web`, `python -m bench.web`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.servers import fair_serve
from bench.web.load import TARGET_P99_MS, TARGET_RATE, TARGET_SCENARIOS
from bench.web.report import format_table, report
from bench.web.scenarios import drive
from bench.web.site import build_site
from fair.sample.generate import SCALES
from fair.scheduling import METHODS

# The grid is one organiser's page, refreshed now and then, not a crowd's.
GRID_RATE = 0.5


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fair bench web",
        description="Load benchmark of the served agenda, calendar feed and grid pages, "
        "with GET /healthz as the baseline, on a generated fair.",
    )
    parser.add_argument("--scale", choices=SCALES, default="expo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="requests per second")
    parser.add_argument(
        "--grid-rate",
        type=float,
        default=GRID_RATE,
        help="requests per second for the organiser's grid (default: %(default)s; one "
        "expo grid page takes seconds, so --rate would only measure a queue)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--sample", type=int, default=200, help="participants signed in")
    parser.add_argument("--method", choices=METHODS, default="greedy", help="scheduler")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or args.grid_rate <= 0:
        print("fair bench web: --rate, --grid-rate and --seconds must be positive", file=sys.stderr)
        return 2

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="fair-bench-web-") as tmp:
        directory = Path(tmp)
        site = build_site(
            directory, args.scale, args.seed, args.sample, args.method, args.time_limit, say
        )
        say(
            f"{site.scheduled} meetings for {site.participants} participants; "
            f"{len(site.sample)} signed in; starting the server ..."
        )
        try:
            with fair_serve(site.db_url, directory) as base:
                before = os.getloadavg()
                outcomes = asyncio.run(
                    drive(base, site, args.rate, args.grid_rate, args.seconds, say)
                )
                after = os.getloadavg()
        except RuntimeError as exc:  # the server did not start, or refused the sign-ins
            print(f"fair bench web: {exc}", file=sys.stderr)
            return 1
    data = report(site, outcomes, args, (before, after))
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(
        f"web load, {args.scale} fair (seed {args.seed}): {site.scheduled} meetings, "
        f"{site.participants} participants, {len(site.sample)} signed in; "
        f"{args.seconds:g}s per scenario, open loop, one server process"
    )
    print(format_table(outcomes))
    for o in outcomes:
        if o.errors:
            answers = ", ".join(f"{k}: {v}" for k, v in o.statuses.items())
            print(f"{o.scenario}: answers {answers}")
    print(f"load average (1 min) {before[0]:.1f} before, {after[0]:.1f} after")
    met = "met" if data["target"]["met"] else "MISSED"
    print(
        f"target: p99 < {TARGET_P99_MS:g} ms at >= {TARGET_RATE:g} req/s for "
        f"{', '.join(TARGET_SCENARIOS)}: {met}"
    )
    return 0
