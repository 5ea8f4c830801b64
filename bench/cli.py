"""`fair bench ...` and `fair drill ...`: the tooling's commands on the `fair` command line.

Registered as `fair.commands` entry points (pyproject.toml); `web.cli` finds them there,
so the product never imports this package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

# `fair bench NAME ...` → the module whose `main(argv) -> int` runs that benchmark.
BENCHMARKS = {
    "scheduler": "bench.scheduler",
    "web": "bench.web.cli",
    "rooms": "bench.rooms.cli",
    "joins": "bench.joins",
    "match": "bench.match",
    "search": "bench.search",
    "edits": "bench.edits",
    "freed": "bench.freed",
    "import": "bench.imports",
    "invite": "bench.invites",
    "orders": "bench.orders",
    "report": "bench.report",
}


def bench(argv: Sequence[str]) -> int:
    """Run a benchmark: one of `BENCHMARKS` (each has --help)."""
    import importlib

    args = list(argv)
    if not args or args[0] not in BENCHMARKS:
        names = ",".join(BENCHMARKS)
        print(f"usage: fair bench {{{names}}} [--json] ...  (each has --help)", file=sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    run: Callable[[list[str]], int] = importlib.import_module(BENCHMARKS[args[0]]).main
    return run(args[1:])


def drill(argv: Sequence[str]) -> int:
    """Fair-day drill on loopback: load, faults, nothing lost."""
    from bench.drill.cli import main

    code: int = main(list(argv))
    return code
