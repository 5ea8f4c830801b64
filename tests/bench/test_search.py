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


def test_searchbench_recall_compares_today_with_the_dictionary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = searchbench.main(["--scale", "small", "--recall", "--json"])
    assert code == 0
    rows = {(r["language"], r["method"]): r for r in json.loads(capsys.readouterr().out)}
    assert {lang for lang, _ in rows} == {"en", "zh", "ko", "ja", "all"}
    for language in ("zh", "ko", "ja"):
        # The small fair's products are named in English: today's search finds none of
        # them from Chinese, Korean or Japanese words; the dictionary finds most.
        assert rows[(language, "today")]["recall"] == 0.0
        assert rows[(language, "dictionary")]["recall"] > 0.8
    assert rows[("en", "dictionary")]["recall"] > rows[("en", "today")]["recall"]
    assert rows[("all", "today")]["queries"] == rows[("all", "dictionary")]["queries"] > 40
