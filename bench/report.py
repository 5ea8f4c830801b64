"""`fair bench report`: the post-fair report of the expo fair as a PDF, timed.

The fair goes through the real path (`bench.fairs`: generated, imported, scheduled with
the greedy baseline, which is quick and leaves a full grid, and published), then plays
out (`fair.sample.outcome`: meetings held and no-shows, deals recorded through the
rooms' own function). Each run reads the report's content (`fair.summary`), lays it out
as HTML and has WeasyPrint write the PDF, as `fair export report --format pdf` does;
every run is printed, with the PDF's pages and size. Goal: 20 s or less per report. Each run also
gives its CPU time, which a machine shared with other work does not inflate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from decimal import Decimal

GOAL_S = 20.0
RATES = {"EUR": Decimal("1.08"), "JPY": Decimal("0.0067"), "KRW": Decimal("0.00072")}


@dataclass(frozen=True)
class Run:
    run: int
    language: str
    content_s: float
    html_s: float
    pdf_s: float
    total_s: float
    cpu_s: float  # this process's CPU time for the run (the machine may be shared)
    pages: int
    kib: int


def pages(pdf: bytes) -> int:
    """The PDF's page count (poppler's pdfinfo; 0 when it is not installed)."""
    try:
        done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return 0
    for line in done.stdout.decode().splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str]) -> int:
    from sqlmodel import Session

    import scheduler.problem as sp
    from bench.fairs import imported_in_memory, schedule_and_publish
    from fair.db import session_scope
    from fair.sample.outcome import play_out
    from fair.summary import report_content
    from web import i18n
    from web.report_pdf import render_pdf, report_html

    parser = argparse.ArgumentParser(
        prog="fair bench report",
        description="Time the expo fair's post-fair report as a PDF (content, HTML, PDF).",
    )
    parser.add_argument("--scale", default="expo", choices=["small", "video", "expo"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lang", default="zh", choices=["en", "zh", "ko", "ja"])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    i18n.load_catalogues()

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    say(f"building the {args.scale} fair (seed {args.seed}) ...")
    with imported_in_memory(args.scale, args.seed) as (engine, fair_id):
        say("scheduling (greedy) and publishing ...")
        options = sp.Options(time_limit=10.0, workers=1, seed=args.seed)
        schedule_and_publish(engine, fair_id, options, "greedy")
        with session_scope(engine) as session:
            outcome = play_out(session, fair_id, RATES, seed=args.seed)
        say(f"played out: {outcome}")
        runs = []
        for n in range(1, args.runs + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            with Session(engine) as session:
                content = report_content(session, fair_id, RATES)
            t1 = time.perf_counter()
            html = report_html(content, args.lang)
            t2 = time.perf_counter()
            pdf = render_pdf(html)
            t3 = time.perf_counter()
            run = Run(
                n,
                args.lang,
                round(t1 - t0, 2),
                round(t2 - t1, 2),
                round(t3 - t2, 2),
                round(t3 - t0, 2),
                round(time.process_time() - c0, 2),
                pages(pdf),
                len(pdf) // 1024,
            )
            say(f"run {n}: {run.total_s:.2f} s")
            runs.append(run)
    figures = {
        "scale": args.scale,
        "seed": args.seed,
        "held": outcome.held,
        "no_shows": outcome.no_shows,
        "deals": outcome.deals,
        "goal_s": GOAL_S,
        "runs": [asdict(r) for r in runs],
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(
        f"post-fair report of the {args.scale} fair (seed {args.seed}): {outcome.held} meetings "
        f"held, {outcome.no_shows} no-shows, {outcome.deals} deals; language {args.lang}"
    )
    header = ("run", "content s", "html s", "pdf s", "total s", "cpu s", "pages", "KiB")
    print("{:>3} {:>9} {:>7} {:>7} {:>8} {:>7} {:>6} {:>6}".format(*header))
    for r in runs:
        print(
            f"{r.run:>3} {r.content_s:>9.2f} {r.html_s:>7.2f} {r.pdf_s:>7.2f} "
            f"{r.total_s:>8.2f} {r.cpu_s:>7.2f} {r.pages:>6} {r.kib:>6}"
        )
    worst = max(r.total_s for r in runs)
    verdict = "met" if worst <= GOAL_S else "NOT met"
    print(f"goal: <= {GOAL_S:.0f} s per report (slowest run): {verdict}")
    return 0
