"""The web load benchmark's driver: percentiles and simulated client addresses."""

from __future__ import annotations

import pytest

from bench.web.load import client_address, percentile

pytestmark = pytest.mark.integration


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7


def test_client_address_differs_per_request() -> None:
    assert client_address(0) == "10.0.0.1"
    assert len({client_address(n) for n in range(1000)}) == 1000
