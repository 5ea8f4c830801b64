"""The hand-edit benchmark runs end to end against `fair serve` on a small generated
fair: targets, moves and undos are timed beside the baseline, and the moves are saved."""

from __future__ import annotations

import json

import pytest

from bench import edits as editsbench

pytestmark = pytest.mark.integration


def test_editsbench_reports_targets_moves_undos_and_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = editsbench.main(["--scale", "small", "--edits", "4", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["what"]: r for r in report["rows"]}
    assert set(rows) == {
        "GET /api/session (baseline)",
        "targets of a meeting",
        "move (check and save)",
        "undo",
    }
    assert rows["targets of a meeting"]["calls"] == 4
    assert rows["move (check and save)"]["calls"] >= 1
    assert rows["move (check and save)"]["refused"] == 0  # a free target is accepted
    assert rows["undo"]["calls"] == rows["move (check and save)"]["calls"]
    assert all(r["p50_ms"] <= r["p99_ms"] for r in rows.values())
