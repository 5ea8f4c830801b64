"""`fair bench import`: the import preview of the expo fair from .xlsx, against
`fair serve`, beside the same fair from UTF-8 CSV files in the same run.

The seeded expo fair (~1,000 companies, 10,590 products, 8,000 requests) is written by
`fair.sample.generate`; an organiser signed in to a `fair serve` process (one process,
SQLite file) uploads it to `POST /organiser/import`, which reads and checks every file,
runs the whole load and rolls it back (the preview: new/updated/unchanged per kind) and
keeps the files for the confirmation. Each upload is timed from the first byte sent to
the preview received. The cases, each `--runs` times:

- UTF-8 CSV files (the baseline: the same fair, the fastest reading);
- the .xlsx workbook as Excel saves it (shared strings, a dimension element on each
  sheet), which is also how `fair export fair --workbook` writes it;
- the .xlsx workbook as openpyxl writes it (inline strings, no dimension element, so
  openpyxl must read each sheet twice), as other tools built on openpyxl save;

first for a new fair (an empty database), then, after one confirmation, for a re-import
of the same files (every row unchanged). Goal: the .xlsx preview of the new expo fair
in at most 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.fairs import generated_files

GOAL_S = 15.0


@dataclass(frozen=True)
class Row:
    case: str
    fair: str  # "new" or "re-import"
    upload_kb: int
    runs: int
    median_s: float
    min_s: float
    max_s: float
    participants: str  # new/updated/unchanged as the preview counted them


# ---------------------------------------------------------------------------- files


def cases(files: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    """The upload of each case: fair.toml plus the CSV files or one workbook."""
    import csv

    from fair.columns import CSV_FILES
    from fair.export import to_workbook, workbook_bytes

    sheets = {
        name.removesuffix(".csv"): list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        for name, raw in files.items()
        if name in CSV_FILES
    }
    toml = {"fair.toml": files["fair.toml"]}
    return {
        "UTF-8 CSV (baseline)": files,
        ".xlsx as Excel saves it": toml | {"fair.xlsx": to_workbook(files)},
        ".xlsx as openpyxl writes it": toml | {"fair.xlsx": workbook_bytes(sheets)},
    }


# ---------------------------------------------------------------------------- measuring


async def upload(http: Any, csrf: str, files: dict[str, bytes]) -> tuple[float, dict[str, Any]]:
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    for name, data in files.items():
        form.add_field("workbook" if name.endswith(".xlsx") else name, data, filename=name)
    started = time.perf_counter()
    async with http.post(
        "/organiser/import", data=form, headers={"Accept": "application/json"}
    ) as r:
        body = await r.json()
        if r.status != 200:
            raise RuntimeError(f"preview answered {r.status}: {str(body)[:500]}")
    return time.perf_counter() - started, body


async def measure(
    base: str, organiser: tuple[str, str], uploads: dict[str, dict[str, bytes]], runs: int
) -> list[Row]:
    import aiohttp

    rows: list[Row] = []
    jar = aiohttp.CookieJar(unsafe=True)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(base, cookie_jar=jar, timeout=timeout) as http:
        email, password = organiser
        login = {"email": email, "password": password}
        async with http.post("/login", data=login, allow_redirects=False) as r:
            if r.status != 302:  # to the console (which has no fair to show yet)
                raise RuntimeError(f"organiser sign-in answered {r.status}")
        async with http.get("/api/session") as r:
            csrf = (await r.json())["csrf"]
        last: dict[str, Any] = {}
        for fair in ("new", "re-import"):
            for case, files in uploads.items():
                times = []
                for _ in range(runs):
                    seconds, last = await upload(http, csrf, files)
                    times.append(seconds)
                people = last["counts"]["participants"]
                rows.append(
                    Row(
                        case=case,
                        fair=fair,
                        upload_kb=sum(len(v) for v in files.values()) // 1024,
                        runs=runs,
                        median_s=round(statistics.median(times), 2),
                        min_s=round(min(times), 2),
                        max_s=round(max(times), 2),
                        participants="/".join(
                            str(people[k]) for k in ("new", "updated", "unchanged")
                        ),
                    )
                )
            if fair == "new":  # confirm the last preview: the fair is in for the re-import
                print("confirming the import ...", file=sys.stderr, flush=True)
                async with http.post(
                    "/organiser/import/confirm",
                    data={"csrf": csrf, "token": last["token"]},
                    headers={"Accept": "application/json"},
                ) as r:
                    if r.status != 200:
                        raise RuntimeError(f"confirm answered {r.status}: {await r.text()}")
    return rows


def table(rows: Sequence[Row], scale: str, products: int) -> str:
    lines = [
        f"import preview of the {scale} fair ({products} products) via POST /organiser/import",
        f"{'case':<28} {'fair':<9} {'upload KiB':>10} {'runs':>4} {'median s':>9} "
        f"{'min s':>7} {'max s':>7}  participants new/upd/same",
    ]
    for r in rows:
        lines.append(
            f"{r.case:<28} {r.fair:<9} {r.upload_kb:>10} {r.runs:>4} {r.median_s:>9.2f} "
            f"{r.min_s:>7.2f} {r.max_s:>7.2f}  {r.participants}"
        )
    worst = max(r.median_s for r in rows if r.case.startswith(".xlsx") and r.fair == "new")
    verdict = "met" if worst <= GOAL_S else "NOT met"
    lines.append(f"goal: .xlsx preview of a new fair <= {GOAL_S:.0f} s (median): {verdict}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`fair bench import`: the import preview from .xlsx and CSV against `fair serve`."""
    from bench.servers import fair_serve
    from fair.accounts import create_organiser
    from fair.db import open_database, session_scope

    parser = argparse.ArgumentParser(prog="fair bench import", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="expo", help="generated fair scale (default expo)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="uploads per case (default 3)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    files = generated_files(args.scale, args.seed)
    products = files["products.csv"].count(b"\n") - 1
    uploads = cases(files)
    organiser = ("bench@fair.example", "bench import password")
    with tempfile.TemporaryDirectory(prefix="fair-bench-import-") as tmp:
        directory = Path(tmp)
        db_url = f"sqlite:///{directory / 'fair.sqlite'}"
        engine = open_database(db_url)
        with session_scope(engine) as session:
            create_organiser(session, *organiser)
        engine.dispose()
        print(f"serving; uploading each case {args.runs} times ...", file=sys.stderr, flush=True)
        with fair_serve(db_url, directory) as base:
            rows = asyncio.run(measure(base, organiser, uploads, args.runs))
    if args.json:
        print(
            json.dumps(
                {
                    "scale": args.scale,
                    "seed": args.seed,
                    "goal_s": GOAL_S,
                    "rows": [asdict(r) for r in rows],
                }
            )
        )
    else:
        print(table(rows, args.scale, products))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
