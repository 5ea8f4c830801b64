"""The matchmaking benchmark runs end to end on the small generated fair."""

from __future__ import annotations

import pytest

from bench import match as matchbench


def test_matchbench_beats_random_on_the_small_fair(capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r.method: r for r in matchbench.run("small", 1)}
    assert rows["suggestions"].recall_at_10 > rows["random"].recall_at_10
    assert matchbench.main(["--scale", "small", "--json"]) == 0
    assert '"recall_at_10"' in capsys.readouterr().out
