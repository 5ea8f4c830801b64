"""The drill's verdict on its figures."""

from __future__ import annotations

from typing import Any

import pytest

from bench.drill.checks import by_event, by_phase, passed, quantile, verdict

pytestmark = pytest.mark.unit


def figures(**changes: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "deals_lost": 0,
        "deals_duplicated": 0,
        "confirms_lost": 0,
        "deals_unacked": 0,
        "confirms_unacked": 0,
        "unfinished": 0,
        "deals_stored": 40,
        "deals_acked": 40,
        "errors": 0,
        "dashboard_equals_recount": True,
    }
    return r | changes


def test_verdict_passed_when_nothing_lost_and_everything_answered() -> None:
    assert passed(figures())
    assert verdict(figures()).startswith("PASSED")


def test_verdict_not_passed_when_work_was_left_unanswered() -> None:
    r = figures(deals_unacked=2, confirms_unacked=1, deals_acked=38)
    assert not passed(r)
    assert verdict(r).startswith("NOT PASSED: nothing lost, but 3 ")


@pytest.mark.parametrize(
    "change",
    [
        {"deals_lost": 1},
        {"deals_duplicated": 1},
        {"confirms_lost": 1},
        {"errors": 1},
        {"dashboard_equals_recount": False},
    ],
)
def test_verdict_failed_when_anything_acknowledged_went_wrong(change: dict[str, Any]) -> None:
    r = figures(**change)
    assert not passed(r)
    assert verdict(r).startswith("FAILED")


def test_quantile_of_nothing_is_none() -> None:
    assert quantile([], 0.5) is None
    assert quantile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert quantile([float(v) for v in range(100)], 0.99) == 99.0


def test_latency_is_told_apart_by_event_and_by_the_phase_between_faults() -> None:
    t0 = 1000.0
    latency = [
        (t0 + 1, "join", 10.0),
        (t0 + 2, "deal", 20.0),
        (t0 + 5, "join", 900.0),  # after the kill at 4 s
        (t0 + 5.5, "join", 1500.0),
        (t0 + 9, "deal", 30.0),  # after the restart at 8 s
    ]
    faults = [(8.0, "server 2 restarted"), (4.0, "server 2 killed")]
    assert by_event(latency) == {
        "deal": {"n": 2, "p99_ms": 30.0},
        "join": {"n": 3, "p99_ms": 1500.0},
    }
    assert by_phase(latency, t0, faults) == [
        {"from": "start", "at_s": 0.0, "n": 2, "p99_ms": 20.0},
        {"from": "server 2 killed", "at_s": 4.0, "n": 2, "p99_ms": 1500.0},
        {"from": "server 2 restarted", "at_s": 8.0, "n": 1, "p99_ms": 30.0},
    ]
    assert by_phase(latency, t0, []) == [{"from": "start", "at_s": 0.0, "n": 5, "p99_ms": 1500.0}]
