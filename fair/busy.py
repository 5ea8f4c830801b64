"""Busy times from a participant's own calendar export (.ics).

Reading the file is `fair.busy_reader` (checks, recurrence expansion, the budget). On
the server it runs in a worker process, `read_busy`, that is killed when it runs over the
file's budget of time (`Budget.seconds`) or memory, so a hostile recurrence pins neither
a database thread nor the event loop, and the server answers other requests (and stops
on SIGTERM: `stop_workers`) meanwhile. The refusal names the event being read.

`store_busy` replaces the participant's previous calendar import (`source="ics"`) with
the new busy times in the caller's transaction; `import_busy` reads (in this process:
tests and trusted files) and stores in one go. A file that fails any check raises
`InvalidInput` naming the event (UID and SUMMARY) or the line, before anything changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete, select

from fair.busy_reader import MAX_BUSY, MAX_BYTES, Budget, Busy, parse_busy
from fair.errors import InvalidInput
from fair.models import BusyTime, Fair, Participant

__all__ = [
    "MAX_BUSY",
    "MAX_BYTES",
    "Budget",
    "Busy",
    "busy_times",
    "fair_window",
    "import_busy",
    "parse_busy",
    "read_busy",
    "stop_workers",
    "store_busy",
]

SOURCE = "ics"
STARTUP_SECONDS = 60.0  # for the worker's interpreter to start, before its budget runs
_workers: set[asyncio.subprocess.Process] = set()


def _worker_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


async def read_busy(
    data: bytes,
    window_start: datetime,
    window_end: datetime,
    zone: str,
    budget: Budget | None = None,
) -> list[Busy]:
    """`parse_busy` in a worker process, under `budget` (time, memory, instances).

    Raises InvalidInput naming the event or line at fault, or the event being read when
    the worker ran out of time or memory."""
    budget = budget or Budget()
    header = {
        "start": window_start.isoformat(),
        "end": window_end.isoformat(),
        "zone": zone,
        "instances": budget.instances,
        "seconds": budget.seconds,
        "memory": budget.memory,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fair.busy_reader",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=_worker_env(),
        limit=16 * MAX_BYTES,
    )
    _workers.add(proc)
    label = "the file"
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(header).encode("utf-8") + b"\n" + data)
        with contextlib.suppress(ConnectionError):
            await proc.stdin.drain()
        proc.stdin.close()
        deadline = clock.monotonic() + STARTUP_SECONDS
        while True:
            left = deadline - clock.monotonic()
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), max(left, 0))
            except TimeoutError:
                raise InvalidInput(
                    f"{label}: reading it takes longer than the budget of "
                    f"{budget.seconds:g} s for one file (its repetitions may never end); "
                    "export only the fair's weeks"
                ) from None
            if not line:
                raise InvalidInput(
                    f"{label}: reading it stopped the calendar reader (it needs more than "
                    f"{budget.memory // 1024 // 1024} MiB, or the server is stopping)"
                )
            kind, value = json.loads(line)
            if kind == "ready":
                deadline = clock.monotonic() + budget.seconds
            elif kind == "event":
                label = str(value)
            elif kind == "refused":
                raise InvalidInput(str(value))
            elif kind == "memory":
                raise InvalidInput(
                    f"{label}: reading it needs more than the budget of "
                    f"{budget.memory // 1024 // 1024} MiB for one file"
                )
            else:
                return [
                    Busy(datetime.fromisoformat(s), datetime.fromisoformat(e), lab)
                    for s, e, lab in value
                ]
    finally:
        _workers.discard(proc)
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        await asyncio.shield(proc.wait())


def stop_workers() -> None:
    """Kill every running worker (the server is stopping); their uploads are refused."""
    for proc in list(_workers):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()


def fair_window(fair: Fair) -> tuple[datetime, datetime]:
    """The fair's dates as UTC instants, a day wider on each side so every zone's
    working day on the fair's dates is covered."""
    zone = ZoneInfo(fair.timezone)
    first = datetime.combine(fair.start, time(0), zone) - timedelta(days=1)
    last = datetime.combine(fair.start + timedelta(days=fair.days + 1), time(0), zone)
    return first.astimezone(UTC), last.astimezone(UTC)


def person_window(session: Session, person: Participant) -> tuple[datetime, datetime]:
    fair = session.get(Fair, person.fair_id)
    assert fair is not None
    return fair_window(fair)


def store_busy(session: Session, person: Participant, busy: list[Busy]) -> list[BusyTime]:
    """Replace `person`'s imported busy times with `busy` (the caller commits)."""
    assert person.id is not None
    session.exec(
        delete(BusyTime).where(
            col(BusyTime.participant_id) == person.id, col(BusyTime.source) == SOURCE
        )
    )
    rows = [
        BusyTime(participant_id=person.id, start=b.start, end=b.end, source=SOURCE) for b in busy
    ]
    session.add_all(rows)
    session.flush()
    return rows


def import_busy(session: Session, person: Participant, data: bytes) -> list[BusyTime]:
    """Read `data` in this process (no time budget: tests and trusted files; uploads go
    through `read_busy`) and replace `person`'s imported busy times (the caller commits)."""
    start, end = person_window(session, person)
    return store_busy(session, person, parse_busy(data, start, end, person.timezone))


def busy_times(session: Session, person: Participant) -> list[BusyTime]:
    return list(
        session.exec(
            select(BusyTime)
            .where(BusyTime.participant_id == person.id)
            .order_by(col(BusyTime.start))
        )
    )
