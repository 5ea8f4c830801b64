"""The benchmark runner validates, measures and prints."""

from __future__ import annotations

import json

import pytest

from bench import runner as bench
from bench.runner import ValidationError, _run_method, as_json, run, table
from scheduler.problem import Assignment, Options, PlaceKind, Result, Status
from tests.scheduler.factories import make_fair

pytestmark = pytest.mark.unit


def test_bench_rows_for_every_method_and_printable() -> None:
    p = make_fair(5, companies=20, requests=60, days=1, slots_per_day=8, tables=4)
    rows = run({"tiny": p}, Options(time_limit=3, workers=1, levels=3), isolate=False)
    assert [r.method for r in rows] == ["fcfs", "greedy", "ours"]
    ours = rows[-1]
    assert ours.weight >= max(r.weight for r in rows[:2])
    assert ours.pct_of_bound <= 100.0 + 1e-9
    text = table(rows)
    assert "tiny: ours vs greedy" in text and "% bound" in text
    assert json.loads(as_json(rows))[0]["method"] == "fcfs"


def test_bench_isolated_run_reports_peak_memory() -> None:
    p = make_fair(6, companies=10, requests=20, days=1, slots_per_day=4, tables=2)
    result, seconds, peak, cpu = bench.run_isolated("greedy", p, Options())
    assert result.method == "greedy" and seconds >= 0 and peak > 10 and cpu > 0


def test_bench_fails_loudly_on_invalid_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_fair(7, companies=10, requests=20, days=1, slots_per_day=4, tables=2)
    bad = Assignment(p.requests[0].id, 0, 1, PlaceKind.ONLINE, "online-1")

    def broken(method: str, problem: object, options: Options) -> bench.Measured:
        return Result(Status.FEASIBLE, (bad, bad)), 0.0, 0.0, 0.0

    monkeypatch.setattr(bench, "_run_method", broken)
    assert _run_method is not broken
    with pytest.raises(ValidationError):
        run({"tiny": p}, Options(), methods=("greedy",), isolate=False)
