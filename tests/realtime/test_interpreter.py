"""What `fair serve` sets in the interpreter after start-up (docs/realtime.md)."""

from __future__ import annotations

import gc
import sys

import pytest

from realtime.server import GC_THRESHOLDS, SWITCH_INTERVAL, tune_interpreter

pytestmark = pytest.mark.unit


def test_serving_collects_less_often_and_hands_the_gil_over_every_millisecond() -> None:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    try:
        tune_interpreter()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL) == 0.001
        assert gc.get_freeze_count() > 0  # what start-up loaded is out of the collector
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)
