"""The freed-slot benchmark runs end to end against `fair serve` on a tiny fair: every
cancel's slot is offered to a waiting pair on both their connections, both accept and the
meeting is booked, and the baselines are measured beside it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bench import freed as freedbench


@pytest.mark.integration
def test_freedbench_offers_every_cancelled_slot_on_both_pages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = freedbench.main(["--running", "6", "--freed", "3", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["what"]: r for r in report["rows"]}
    assert set(rows) == {
        "GET /api/session (baseline)",
        "/notices recent call (baseline)",
        "cancel POST answered",
        "cancel -> offer on both pages",
    }
    assert report["cancelled"] == 3
    assert report["missed"] == 0
    assert rows["cancel -> offer on both pages"]["count"] == 3
    assert report["booked"] == 3  # each offer went to a new pair, who booked it
    assert all(r["p50_ms"] <= r["p99_ms"] <= r["max_ms"] for r in rows.values())


@pytest.mark.unit
@pytest.mark.parametrize("hour", range(24))
def test_freedbench_fair_day_starts_at_the_current_minute_at_any_hour(hour: int) -> None:
    now = datetime(2026, 3, 1, hour, 37, 12, tzinfo=UTC)
    files, start = freedbench._files(2, 1, now)
    toml = files["fair.toml"].decode()
    assert start == datetime(2026, 3, 1, hour, 37, tzinfo=UTC)
    assert 'day_start = "12:37"' in toml and 'day_end = "16:37"' in toml
    assert "12:37-13:07" in files["participants.csv"].decode()
