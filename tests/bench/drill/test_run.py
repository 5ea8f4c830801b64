"""`fair drill --size small --faults` in CI: two `fair serve` processes on PostgreSQL and
their own Redis, the published schedule replayed by simulated participants while one
process is SIGKILLed and restarted and Redis is restarted; nothing acknowledged may be
lost, nothing counted twice, and the dashboards must equal a recount."""

from __future__ import annotations

import shutil

import pytest

from bench.drill.run import run_drill
from tests.conftest import IN_CI, POSTGRES_URL

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]


def test_drill_small_with_faults_loses_nothing(postgres_ok: bool) -> None:
    if not postgres_ok:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (required in CI)")
    if not shutil.which("redis-server"):
        if IN_CI:
            pytest.fail("redis-server is required in CI (the drill starts its own)")
        pytest.skip("redis-server not installed (required in CI)")
    r = run_drill("small", POSTGRES_URL, faults=True)
    problems = r["error_samples"][:5]
    happened = sorted(f.split(": ", 1)[1].split(" on port")[0] for f in r["faults"])
    assert happened == [
        "redis killed",
        "redis restarted",
        "server 2 killed (SIGKILL)",
        "server 2 restarted",
    ]
    assert r["clients"] >= 300
    assert r["drops"] > 0, "the killed process had clients; they must have been dropped"
    assert r["deals_acked"] > 50
    assert r["deals_lost"] == 0 and r["deals_duplicated"] == 0, problems
    assert r["deals_stored"] == r["deals_acked"], problems
    assert r["confirms_lost"] == 0, problems
    assert r["dashboard_equals_recount"], (r["recount"], problems)
    assert r["errors"] == 0, problems
    # Whether everything was also answered before the drill's deadline is a matter of
    # capacity (how fast this machine restarts a process and serves the rejoin storm): a
    # figure of the drill's report (docs/benchmarks.md), not a test's verdict.
    # The latency is told apart by event and by the parts of the replay between faults.
    assert {"join", "leave", "deal:record", "deal:confirm"} <= set(r["p99_by_event"])
    answered = sum(x["n"] for x in r["p99_by_event"].values())
    assert 0 < answered <= r["events"]
    assert [x["from"] for x in r["p99_by_phase"]][:2] == ["start", "server 2 killed (SIGKILL)"]
    assert len(r["p99_by_phase"]) == 5
    assert sum(x["n"] for x in r["p99_by_phase"]) == answered
