"""Checking `availability.csv`: a person's own hours on some of their local dates.

Each row replaces that person's every-day `available` windows on one date of their own
calendar (their `timezone`): windows like `09:00-12:00 14:00-17:00`, which may run over
midnight and then belong to the date they start on, or `away` for the whole day. Seen
from a zone across the date line the fair's days fall on other dates, so a date may lie
one day before the fair's first day or one after its last.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from fair.columns import AVAILABILITY
from fair.errors import N_
from fair.importer.cells import parse_date, parse_day_windows, window_text
from fair.importer.rows import Collector, Sheet, cell, required, table_rows
from fair.importer.specs import FairSpec, ParticipantSpec


def fair_dates(fair: FairSpec) -> tuple[date, date]:
    """The first and last local date anyone can be at the fair on (a day either side of
    the fair's own dates, for people across the date line)."""
    return fair.start - timedelta(days=1), fair.start + timedelta(days=fair.days)


def parse_availability(
    sheet: Sheet,
    fair: FairSpec | None,
    people: Mapping[str, ParticipantSpec],
    out: Collector,
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Participant id → their local date (ISO) → windows (`HH:MM-HH:MM`; none: away)."""
    file = sheet.label
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    first_row: dict[tuple[str, date], int] = {}
    for row, c in table_rows(sheet, AVAILABILITY, out):
        key = required(out, file, row, c, "participant")
        if key and key not in people:
            out.add(
                file,
                row,
                "participant",
                N_("unknown participant %(id)s (not in participants.csv)"),
                id=repr(key),
            )
        day = cell(out, file, row, "date", c["date"], parse_date) if c["date"] else None
        if not c["date"]:
            out.add(file, row, "date", N_("is empty"))
        if day is not None and fair is not None:
            lo, hi = fair_dates(fair)
            if not lo <= day <= hi:
                out.add(
                    file,
                    row,
                    "date",
                    N_(
                        "%(value)s is not a date of the fair in anyone's zone "
                        "(%(first)s to %(last)s)"
                    ),
                    value=day.isoformat(),
                    first=lo.isoformat(),
                    last=hi.isoformat(),
                )
        if day is not None and key:
            if (key, day) in first_row:
                out.add(
                    file,
                    row,
                    "date",
                    N_("%(id)s already has a row for %(date)s (row %(first)s)"),
                    id=repr(key),
                    date=day.isoformat(),
                    first=first_row[(key, day)],
                )
            first_row.setdefault((key, day), row)
        windows = (
            cell(out, file, row, "windows", c["windows"], parse_day_windows)
            if required(out, file, row, c, "windows")
            else None
        )
        if key in people and day is not None and windows is not None:
            found.setdefault(key, {})[day.isoformat()] = tuple(window_text(*w) for w in windows)
    return found
