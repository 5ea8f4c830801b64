"""The web load benchmark's table."""

from __future__ import annotations

import pytest

from bench.web.load import Outcome
from bench.web.report import format_table

pytestmark = pytest.mark.integration


def test_bench_table_has_a_row_per_scenario() -> None:
    outcome = Outcome("agenda", 200, 10, 10, 0, 199.0, 1.0, 2.0, 3.0, 4.0, {"200": 10}, True)
    lines = format_table([outcome]).splitlines()
    assert lines[0].startswith("scenario") and "p99 ms" in lines[0]
    assert lines[2].startswith("agenda") and lines[2].endswith("met")
