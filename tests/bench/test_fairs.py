"""The benchmarks' fairs come through the real generator, importer, scheduler and
publishing."""

from __future__ import annotations

import pytest
from sqlmodel import Session

import scheduler.problem as sp
from bench.fairs import generated_files, imported_in_memory, schedule_and_publish
from fair.versions import published_version

pytestmark = pytest.mark.integration


def test_generated_files_are_the_same_for_the_same_seed() -> None:
    files = generated_files("small", 3)
    assert "fair.toml" in files
    assert generated_files("small", 3) == files


def test_schedule_and_publish_times_each_step() -> None:
    seconds: dict[str, float] = {}
    with imported_in_memory("small", 2) as (engine, fair_id):
        options = sp.Options(time_limit=5, workers=1, seed=0)
        number, figures = schedule_and_publish(engine, fair_id, options, "greedy", seconds)
        with Session(engine) as session:
            version = published_version(session, fair_id)
    assert version is not None and version.number == number
    assert figures["scheduled"] > 0
    assert set(seconds) == {"schedule", "publish"}
