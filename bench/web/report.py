"""The web benchmark's results: the table, the verdict on the target and the JSON."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bench.web.load import TARGET_P99_MS, TARGET_RATE, TARGET_SCENARIOS, Outcome
from bench.web.site import Site

HEADERS = (
    "scenario",
    "requests",
    "ok",
    "errors",
    "offered/s",
    "achieved/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "target",
)


def format_table(outcomes: Sequence[Outcome]) -> str:
    rows = [HEADERS, *(o.row for o in outcomes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(outcomes: Sequence[Outcome]) -> bool:
    judged = [o for o in outcomes if o.target is not None]
    return bool(judged) and all(o.target for o in judged)


def report(
    site: Site,
    outcomes: Sequence[Outcome],
    args: argparse.Namespace,
    loads: tuple[tuple[float, ...], tuple[float, ...]],
) -> dict[str, Any]:
    return {
        "benchmark": "web",
        "scale": args.scale,
        "seed": args.seed,
        "method": args.method,
        "seconds": args.seconds,
        "rate": args.rate,
        "grid_rate": args.grid_rate,
        # Other work on the machine shows here; the healthz row shows what it cost.
        "load_average": {"before": list(loads[0]), "after": list(loads[1])},
        "fair": {
            "participants": site.participants,
            "requests": site.requests,
            "meetings": site.scheduled,
            "sample": len(site.sample),
        },
        "setup_seconds": site.seconds,
        "target": {
            "p99_ms": TARGET_P99_MS,
            "rate": TARGET_RATE,
            "scenarios": list(TARGET_SCENARIOS),
            "met": verdict(outcomes),
        },
        "scenarios": [asdict(o) for o in outcomes],
    }
