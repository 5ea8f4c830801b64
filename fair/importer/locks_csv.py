"""Checking `locks.csv`: meetings the organiser fixes, each at a start and a place.

A row names a request, the date and start time of its meeting in the fair's time zone
(the grid's), and the place as the grid names it: a booth id, a table id, `online` (any
free video room) or `online-N`. What the file alone can tell is checked here (the cells,
one row per request); whether the lock can hold (the request accepted, a slot starting
then, the place and the people free) is checked when it is applied, by the grid's own
edits (`fair.loader`), and a lock that cannot hold refuses the whole import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fair.columns import LOCKS
from fair.errors import N_
from fair.importer.cells import parse_date, parse_hhmm
from fair.importer.rows import Collector, Sheet, cell, required, table_rows
from fair.importer.specs import FairSpec, LockSpec


def parse_locks(sheet: Sheet, fair: FairSpec | None, out: Collector) -> list[LockSpec]:
    """The locks of `locks.csv`, in file order."""
    file = sheet.label
    locks: list[LockSpec] = []
    first_row: dict[str, int] = {}
    for row, c in table_rows(sheet, LOCKS, out):
        key = required(out, file, row, c, "request")
        if key in first_row:
            out.add(
                file,
                row,
                "request",
                N_("request %(id)s is locked twice (first on row %(first)s)"),
                id=repr(key),
                first=first_row[key],
            )
        first_row.setdefault(key, row)
        day = cell(out, file, row, "date", c["date"], parse_date) if c["date"] else None
        if not c["date"]:
            out.add(file, row, "date", N_("is empty"))
        if day is not None and fair is not None:
            last = fair.start + timedelta(days=fair.days - 1)
            if not fair.start <= day <= last:
                out.add(
                    file,
                    row,
                    "date",
                    N_("%(value)s is not a day of the fair (%(first)s to %(last)s)"),
                    value=day.isoformat(),
                    first=fair.start.isoformat(),
                    last=last.isoformat(),
                )
                day = None
        at = cell(out, file, row, "time", c["time"], parse_hhmm) if c["time"] else None
        if not c["time"]:
            out.add(file, row, "time", N_("is empty"))
        place = required(out, file, row, c, "place")
        if key and day is not None and at is not None and place and fair is not None:
            local = datetime.combine(day, at).replace(tzinfo=ZoneInfo(fair.timezone))
            locks.append(LockSpec(row, key, local.astimezone(UTC), place))
    return locks
