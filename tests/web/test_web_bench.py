"""The web load benchmark's machinery, at a tiny size (structure, not timing)."""

from __future__ import annotations

import json

import pytest

from bench.web.cli import main
from bench.web.load import TARGET_SCENARIOS, client_address, percentile
from bench.web.report import format_table

pytestmark = pytest.mark.integration


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7


def test_client_address_differs_per_request() -> None:
    assert client_address(0) == "10.0.0.1"
    assert len({client_address(n) for n in range(1000)}) == 1000


def test_bench_small_fair_reports_every_scenario_without_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["--scale", "small", "--rate", "20", "--seconds", "1", "--grid-rate", "5", "--json"]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    names = [s["scenario"] for s in report["scenarios"]]
    assert names == ["healthz (baseline)", "agenda", "feed", "feed 304", "grid"]
    assert report["target"]["scenarios"] == list(TARGET_SCENARIOS)
    assert report["fair"]["meetings"] > 0 and report["fair"]["sample"] > 0
    for s in report["scenarios"]:
        assert s["requests"] == s["ok"] and s["errors"] == 0, s
        assert s["p50_ms"] <= s["p95_ms"] <= s["p99_ms"] <= s["max_ms"]
        assert (s["target"] is None) == (s["scenario"] not in TARGET_SCENARIOS)
    # An unchanged feed answers 304 (only 304 counts as success there).
    assert report["scenarios"][3]["statuses"] == {"304": report["scenarios"][3]["requests"]}


def test_bench_table_has_a_row_per_scenario() -> None:
    from bench.web.load import Outcome

    outcome = Outcome("agenda", 200, 10, 10, 0, 199.0, 1.0, 2.0, 3.0, 4.0, {"200": 10}, True)
    lines = format_table([outcome]).splitlines()
    assert lines[0].startswith("scenario") and "p99 ms" in lines[0]
    assert lines[2].startswith("agenda") and lines[2].endswith("met")
