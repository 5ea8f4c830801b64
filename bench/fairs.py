"""The fairs the benchmarks run on: the product's seeded generator, through the real path.

Every tool measures what the product would face, so its fair is written as import files
by `fair.sample.generate`, read and imported by the real importer, and, when the tool
needs a grid, scheduled and published by the use cases `fair schedule` and `fair publish`
call. This module is that path, once.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

import scheduler.problem as sp
from fair.db import open_database, session_scope
from fair.importer import read_directory
from fair.loader import import_files
from fair.publishing import publish
from fair.sample.generate import generate, write
from fair.scheduling import schedule_fair

# A fixed date keeps instances identical from run to run; 2026-10-24 puts a three-day
# fair across the end of European summer time (Berlin changes on Sunday 25 October).
BENCH_START = date(2026, 10, 24)


def generated_files(scale: str, seed: int, start: date = BENCH_START) -> dict[str, bytes]:
    """The import files of the generated fair of `scale` and `seed`, as the importer
    reads them from a directory."""
    generated = generate(scale, seed, start)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        write(generated, Path(tmp))
        return read_directory(Path(tmp))


@contextmanager
def imported_in_memory(
    scale: str, seed: int, start: date = BENCH_START
) -> Iterator[tuple[Engine, int]]:
    """The generated fair imported into a fresh in-memory SQLite database: yields the
    engine and the fair's id, and disposes of the database afterwards."""
    files = generated_files(scale, seed, start)
    engine = open_database("sqlite://")
    try:
        yield engine, import_files(engine, files).fair_id
    finally:
        engine.dispose()


def schedule_and_publish(
    engine: Engine,
    fair_id: int,
    options: sp.Options,
    method: str,
    seconds: dict[str, float] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Schedule the imported fair with `method` and publish the schedule; returns the
    published version's number and `fair.scheduling.schedule_fair`'s figures.
    `seconds`, when given, gets how long each step took ("schedule", "publish")."""
    steps = {} if seconds is None else seconds
    t0 = time.perf_counter()
    number, figures = schedule_fair(engine, fair_id, options, method=method)
    steps["schedule"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with session_scope(engine) as session:
        publish(session, fair_id, number)
    steps["publish"] = time.perf_counter() - t0
    return number, figures
