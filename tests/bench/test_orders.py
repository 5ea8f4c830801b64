"""The orders benchmark runs on a small generated fair: every case reported, every order
counted once though some were sent twice."""

from __future__ import annotations

import json

import pytest

from bench import orders

pytestmark = pytest.mark.integration


def test_orderbench_reports_each_case_and_counts_resends_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert orders.main(["--scale", "small", "--orders", "40", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["orders"] == 40 and report["resent"] == 2
    assert [r["case"] for r in report["rows"]] == [
        "order placed (place_order_once)",
        "question stored (baseline)",
        "stage totals at 40 orders",
        "dashboard order totals at 40 orders",
        "orders report at 40 orders",
    ]
    assert report["rows"][0]["count"] == 40 and report["rows"][0]["per_second"] > 0
    assert float(report["value"]) > 0
