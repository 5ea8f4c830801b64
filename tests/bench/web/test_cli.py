"""The web load benchmark end to end, at a tiny size (structure, not timing)."""

from __future__ import annotations

import json

import pytest

from bench.web.cli import main
from bench.web.load import TARGET_SCENARIOS

pytestmark = pytest.mark.integration


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
