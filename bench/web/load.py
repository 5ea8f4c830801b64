"""The web benchmark's open-loop load: requests launched on a fixed schedule, not when
the previous one returns, each latency measured from the moment its request was due,
and the verdict on the target."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

TARGET_P99_MS = 100.0
TARGET_RATE = 200.0
# The target is about the participant-facing pages that a whole fair hits at once.
TARGET_SCENARIOS = ("agenda", "feed", "feed 304")


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


def next_client_address() -> str:
    """Another simulated client's address, different from every one before."""
    return client_address(next(_clients))


async def fire(
    http: aiohttp.ClientSession, base: str, call: Call, due: float, timeout: float
) -> tuple[float, float, str]:
    """(latency from the due time in seconds, completion time, status or error name)."""
    # The server limits sign-in links and feeds per client address (as reported by the
    # reverse proxy in X-Forwarded-For); each request here stands for another subscriber.
    headers = {**call.headers, "X-Forwarded-For": next_client_address()}
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
        await fire(http, base, calls[i], time.perf_counter(), timeout)
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
        tasks.append(asyncio.create_task(fire(http, base, call, due, timeout)))
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


async def settle(http: aiohttp.ClientSession, base: str, limit: float = 60.0) -> None:
    """Wait (up to `limit` seconds) until the server answers /healthz quickly again, so
    a scenario that overloaded it does not leave its backlog to the next one."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        latency, _, status = await fire(http, base, Call("/healthz"), time.perf_counter(), 5.0)
        if status == "200" and latency < 0.05:
            return
        await asyncio.sleep(0.2)
