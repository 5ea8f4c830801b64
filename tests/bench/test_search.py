"""The search benchmark runs end to end on a small generated fair (SQLite only)."""

from __future__ import annotations

import json

import pytest

from bench import search as searchbench


def test_searchbench_reports_search_and_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    code = searchbench.main(["--scale", "small", "--queries", "12", "--postgres", "", "--json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    methods = {r["method"] for r in rows}
    assert {"search (all)", "naive LIKE (all)", "search (cjk)", "search (latin)"} <= methods
    by_method = {r["method"]: r for r in rows}
    # Both methods find something for the same queries (drawn from the fair's own names).
    assert by_method["search (all)"]["found"] > 0
    assert by_method["naive LIKE (all)"]["found"] > 0
    assert all(r["p50_ms"] <= r["p99_ms"] for r in rows)
