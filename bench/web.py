"""`fair bench web`: a load benchmark of the served pages, over HTTP on loopback.

The benchmark builds a generated fair in a temporary SQLite file (generate → import →
schedule → publish → organiser account → sign-in and feed links for a sample of
participants), starts `fair serve` on a free loopback port as a separate process, and
drives it from this process with an open-loop client: requests are launched on a fixed
schedule (`--rate` per second), not when the previous one returns, and each latency is
measured from the moment its request was due, so time spent queueing (in the client's
connection pool or in the server) counts. A scenario that cannot keep up shows it as
growing latency, not as a politely lower request rate.

Scenarios: the participant's agenda page (many participants, each with their own session
cookie), the calendar feed (full GET), the same feed with `If-None-Match` (a success only
when the server answers 304), and the organiser's grid page. `GET /healthz` at the same
rate is the baseline of the same run: the floor that the machine, the client and the
framework give before any page does work.

Run `python -m bench.web --help`; `main(argv)` is the entry point for `fair bench web`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import col, select

import scheduler.problem as sp
from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.importer import read_directory
from fair.loader import import_files
from fair.models import Meeting, MeetingRequest, Participant, RequestAttendee, TokenKind
from fair.publishing import publish
from fair.sample.generate import SCALES, generate, write
from fair.scheduling import METHODS, schedule_fair
from fair.tokens import issue_token
from fair.versions import published_version

# A fixed first day keeps the generated fair, and so the pages, identical from run to run.
START = date(2026, 10, 24)
TARGET_P99_MS = 100.0
TARGET_RATE = 200.0
# The target is about the participant-facing pages that a whole fair hits at once.
TARGET_SCENARIOS = ("agenda", "feed", "feed 304")
# The grid is one organiser's page, refreshed now and then, not a crowd's.
GRID_RATE = 0.5
ORGANISER_EMAIL = "bench@fair.example"
REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class Site:
    """What the driver needs to know about the prepared fair."""

    db_url: str
    fair_id: int
    scheduled: int
    requests: int
    participants: int
    sample: tuple[str, ...]  # participant keys
    magic: tuple[str, ...]  # sign-in tokens, in the order of `sample`
    feeds: tuple[str, ...]  # feed tokens, in the order of `sample`
    organiser: tuple[str, str]  # e-mail, password
    seconds: dict[str, float]  # setup step → seconds


def build_site(
    directory: Path,
    scale: str,
    seed: int,
    sample: int = 200,
    method: str = "greedy",
    time_limit: float = 30.0,
    say: Callable[[str], None] = lambda _m: None,
) -> Site:
    """A published fair in `directory`/fair.sqlite with links for `sample` participants
    who have meetings (picked with `seed`)."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    say(f"generating the {scale} fair (seed {seed}) ...")
    generated = generate(scale, seed, START)  # type: ignore[arg-type]
    files_dir = directory / "import"
    write(generated, files_dir)
    files = read_directory(files_dir)
    seconds["generate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    db_url = f"sqlite:///{directory / 'fair.sqlite'}"
    engine = open_database(db_url)
    try:
        summary = import_files(engine, files)
        seconds["import"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        say(f"scheduling with {method} ...")
        options = sp.Options(time_limit=time_limit, workers=2, seed=0)
        number, figures = schedule_fair(engine, summary.fair_id, options, method=method)
        seconds["schedule"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        password = secrets.token_urlsafe(16)
        with session_scope(engine) as session:
            publish(session, summary.fair_id, number)
            create_organiser(session, ORGANISER_EMAIL, password, "Benchmark")
            version = published_version(session, summary.fair_id)
            assert version is not None
            # Everyone with at least one meeting in the published schedule.
            busy: set[int] = set()
            request_ids = set(
                session.exec(
                    select(Meeting.request_id).where(Meeting.version_id == version.id)
                ).all()
            )
            for r in session.exec(
                select(MeetingRequest).where(MeetingRequest.fair_id == summary.fair_id)
            ):
                if r.id in request_ids:
                    busy.update((r.from_id, r.to_id))
            for a in session.exec(select(RequestAttendee)):
                if a.request_id in request_ids:
                    busy.add(a.participant_id)
            people = session.exec(
                select(Participant)
                .where(Participant.fair_id == summary.fair_id)
                .order_by(col(Participant.key))
            ).all()
            candidates = [p for p in people if p.id in busy]
            chosen = random.Random(seed).sample(candidates, min(sample, len(candidates)))
            magic = tuple(issue_token(session, p, TokenKind.MAGIC) for p in chosen)
            feeds = tuple(issue_token(session, p, TokenKind.FEED) for p in chosen)
        seconds["publish and links"] = time.perf_counter() - t0
    finally:
        engine.dispose()
    return Site(
        db_url=db_url,
        fair_id=summary.fair_id,
        scheduled=int(figures["scheduled"]),
        requests=int(figures["requests"]),
        participants=len(people),
        sample=tuple(p.key for p in chosen),
        magic=magic,
        feeds=feeds,
        organiser=(ORGANISER_EMAIL, password),
        seconds={k: round(v, 2) for k, v in seconds.items()},
    )


# ---------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(db_url: str, directory: Path, startup_timeout: float = 60.0) -> Iterator[str]:
    """Run `fair serve` (one process) on a free loopback port; yields its base URL and
    stops it (SIGTERM, then SIGKILL) on exit. Its log goes to `directory`/server.log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIR_")}
    env["FAIR_SECRET_KEY"] = secrets.token_urlsafe(32)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "web.cli",
        "serve",
        "--db",
        db_url,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(directory / "no-config.toml"),  # defaults only, not the repo's config.toml
    ]
    log_path = directory / "server.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=directory, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(process, base, startup_timeout, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_until_up(process: subprocess.Popen[bytes], base: str, timeout: float, log: Path) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f}s")


# ---------------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class Call:
    """One request of a scenario and the status that counts as success."""

    path: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


@dataclass(frozen=True)
class Scenario:
    name: str
    calls: tuple[Call, ...]  # cycled through
    rate: float


@dataclass(frozen=True)
class Outcome:
    scenario: str
    rate: float  # offered, requests per second
    requests: int
    ok: int
    errors: int
    achieved_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    target: bool | None  # None: the scenario has no target

    @property
    def row(self) -> tuple[str, ...]:
        verdict = {None: "", True: "met", False: "MISSED"}[self.target]
        return (
            self.scenario,
            str(self.requests),
            str(self.ok),
            str(self.errors),
            f"{self.rate:g}",
            f"{self.achieved_rps:.1f}",
            f"{self.p50_ms:.1f}",
            f"{self.p95_ms:.1f}",
            f"{self.p99_ms:.1f}",
            f"{self.max_ms:.1f}",
            verdict,
        )


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def client_address(n: int) -> str:
    """The n-th simulated client's address (10.0.0.1, 10.0.0.2, ...)."""
    n = n % (2**24 - 2) + 1
    return f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"


_clients = itertools.count()


async def _fire(
    http: aiohttp.ClientSession, base: str, call: Call, due: float, timeout: float
) -> tuple[float, float, str]:
    """(latency from the due time in seconds, completion time, status or error name)."""
    # The server limits sign-in links and feeds per client address (as reported by the
    # reverse proxy in X-Forwarded-For); each request here stands for another subscriber.
    headers = {**call.headers, "X-Forwarded-For": client_address(next(_clients))}
    try:
        async with asyncio.timeout(timeout):
            async with http.get(
                base + call.path, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                status = str(response.status)
    except TimeoutError:
        status = "timeout"
    except aiohttp.ClientError as exc:
        status = type(exc).__name__
    done = time.perf_counter()
    return done - due, done, status


async def run_scenario(
    http: aiohttp.ClientSession,
    base: str,
    scenario: Scenario,
    seconds: float,
    timeout: float = 10.0,
    warmup: int = 20,
) -> Outcome:
    """Offer `scenario.rate` requests per second for `seconds`, open loop."""
    calls = scenario.calls
    for i in range(min(warmup, len(calls))):  # warm templates and caches; not counted
        await _fire(http, base, calls[i], time.perf_counter(), timeout)
    total = max(1, round(scenario.rate * seconds))
    interval = 1.0 / scenario.rate
    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(total):
        due = start + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        call = calls[i % len(calls)]
        tasks.append(asyncio.create_task(_fire(http, base, call, due, timeout)))
    results = await asyncio.gather(*tasks)
    latencies = sorted(r[0] * 1000 for r in results)
    statuses: dict[str, int] = {}
    ok = 0
    for (_, _, status), i in zip(results, range(total), strict=True):
        statuses[status] = statuses.get(status, 0) + 1
        if status == str(calls[i % len(calls)].expect):
            ok += 1
    finished = max(r[1] for r in results)
    p99 = percentile(latencies, 99)
    errors = total - ok
    # Over the nominal span (requests / rate) or until the last answer, if later.
    achieved = ok / max(total / scenario.rate, finished - start)
    target = None
    if scenario.name in TARGET_SCENARIOS:
        target = (
            scenario.rate >= TARGET_RATE
            and errors == 0
            and achieved >= 0.98 * scenario.rate
            and p99 < TARGET_P99_MS
        )
    return Outcome(
        scenario=scenario.name,
        rate=scenario.rate,
        requests=total,
        ok=ok,
        errors=errors,
        achieved_rps=round(achieved, 1),
        p50_ms=round(percentile(latencies, 50), 2),
        p95_ms=round(percentile(latencies, 95), 2),
        p99_ms=round(p99, 2),
        max_ms=round(latencies[-1], 2),
        statuses=dict(sorted(statuses.items())),
        target=target,
    )


async def _sign_in(http: aiohttp.ClientSession, base: str, site: Site) -> dict[str, Any]:
    """Session cookies for the sample and the organiser, and the feeds' ETags."""
    from web.sessions import COOKIE

    cookies = []
    for token in site.magic:
        async with http.get(
            f"{base}/p/{token}",
            headers={"X-Forwarded-For": client_address(next(_clients))},
            allow_redirects=False,
        ) as response:
            if response.status != 302 or COOKIE not in response.cookies:
                raise RuntimeError(f"sign-in link answered {response.status}")
            cookies.append(f"{COOKIE}={response.cookies[COOKIE].value}")
    email, password = site.organiser
    async with http.post(
        f"{base}/login", data={"email": email, "password": password}, allow_redirects=False
    ) as response:
        if response.status != 302 or COOKIE not in response.cookies:
            raise RuntimeError(f"organiser sign-in answered {response.status}")
        organiser = f"{COOKIE}={response.cookies[COOKIE].value}"
    etags = []
    for token in site.feeds:
        async with http.get(
            f"{base}/feed/{token}.ics",
            headers={"X-Forwarded-For": client_address(next(_clients))},
        ) as response:
            await response.read()
            if response.status != 200 or "ETag" not in response.headers:
                raise RuntimeError(f"feed answered {response.status} without an ETag")
            etags.append(response.headers["ETag"])
    return {"cookies": cookies, "organiser": organiser, "etags": etags}


def scenarios(site: Site, signed: dict[str, Any], rate: float, grid_rate: float) -> list[Scenario]:
    agenda = tuple(Call("/me", {"Cookie": c}) for c in signed["cookies"])
    feed = tuple(Call(f"/feed/{t}.ics") for t in site.feeds)
    unchanged = tuple(
        Call(f"/feed/{t}.ics", {"If-None-Match": e}, expect=304)
        for t, e in zip(site.feeds, signed["etags"], strict=True)
    )
    grid = (Call("/organiser/grid?day=1", {"Cookie": signed["organiser"]}),)
    return [
        Scenario("healthz (baseline)", (Call("/healthz"),), rate),
        Scenario("agenda", agenda, rate),
        Scenario("feed", feed, rate),
        Scenario("feed 304", unchanged, rate),
        Scenario("grid", grid, grid_rate),
    ]


async def settle(http: aiohttp.ClientSession, base: str, limit: float = 60.0) -> None:
    """Wait (up to `limit` seconds) until the server answers /healthz quickly again, so
    a scenario that overloaded it does not leave its backlog to the next one."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        latency, _, status = await _fire(http, base, Call("/healthz"), time.perf_counter(), 5.0)
        if status == "200" and latency < 0.05:
            return
        await asyncio.sleep(0.2)


async def drive(
    base: str,
    site: Site,
    rate: float,
    grid_rate: float,
    seconds: float,
    say: Callable[[str], None] = lambda _m: None,
) -> list[Outcome]:
    # One connection per request in flight, up to a bound, like a crowd of browsers;
    # requests beyond it wait in the pool, and that wait is part of their latency.
    connector = aiohttp.TCPConnector(limit=256, force_close=False)
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),  # each request carries its own cookie
        headers={"Accept-Encoding": "gzip"},
    ) as http:
        signed = await _sign_in(http, base, site)
        outcomes = []
        for scenario in scenarios(site, signed, rate, grid_rate):
            say(f"{scenario.name}: {scenario.rate:g} req/s for {seconds:g}s ...")
            outcomes.append(await run_scenario(http, base, scenario, seconds))
            await settle(http, base)
        return outcomes


# ---------------------------------------------------------------------------- report

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


# ---------------------------------------------------------------------------- command


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
            with serve(site.db_url, directory) as base:
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


if __name__ == "__main__":
    sys.exit(main())
