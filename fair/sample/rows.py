"""The generated fair as the import files say it: `fair.toml` and the CSV rows.

Columns and keys come from `fair.columns` in its order. The request times are drawn here,
after everything else, so they are the last draws from the fair's random stream.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fair.columns import BREAK_KEYS, FAIR_KEYS, PAVILION_KEYS, ordered
from fair.languages import default_language
from fair.sample.draft import Draft, Row, TomlDoc, TomlTable
from fair.sample.places import shared_tables


def toml_doc(draft: Draft) -> TomlDoc:
    """`fair.toml`: the fair's grid and halls, the booths given out, the shared tables."""
    spec = draft.spec
    fair: TomlTable = ordered(
        FAIR_KEYS,
        {
            "name": spec.title.format(year=draft.start.year),
            "timezone": spec.timezone,
            "start": draft.start.isoformat(),
            "days": spec.days,
            "day_start": spec.day_start,
            "day_end": spec.day_end,
            "slot_minutes": spec.slot_minutes,
            "currency": spec.currency,
            "online_rooms": 0,
            "registration": "",  # closed, as a new fair's
        },
    )
    breaks: list[TomlTable] = [
        ordered(BREAK_KEYS, {"start": s, "end": e, "label": label}) for s, e, label in spec.breaks
    ]
    pavilions: list[TomlTable] = [
        ordered(PAVILION_KEYS, {"id": pid, "name": name, "country": country})
        for pid, name, country in spec.pavilions
    ]
    tables = shared_tables(draft)
    return {
        "fair": fair,
        "breaks": breaks,
        "pavilions": pavilions,
        "booths": list(draft.booths),
        "tables": tables,
    }


def participant_rows(draft: Draft) -> list[Row]:
    """One row per person, company by company, the company's fields on every row."""
    rows: list[Row] = []
    every_day = tuple(range(1, draft.spec.days + 1))
    for company in draft.companies:
        for i in company.people:
            p = draft.people[i]
            onsite = "all" if p.onsite == every_day else ";".join(map(str, p.onsite))
            rows.append(
                {
                    "id": p.pid,
                    "company": company.name,
                    "name": p.name,
                    "email": p.email,
                    "role": company.role,
                    "country": company.country,
                    "timezone": p.timezone,
                    "pavilion": company.pavilion,
                    "booth": company.booth,
                    "sectors": ";".join(company.sectors),
                    "offers": ";".join(company.offers),
                    "needs": ";".join(company.needs),
                    "languages": ";".join(p.languages),
                    "language": default_language(company.country),
                    "onsite": onsite,
                    "available": p.available,
                    "interprets": ";".join(p.interprets),
                    "service": company.service,
                    "max_per_day": p.max_per_day,
                    "max_total": p.max_total,
                    "arrives": "",  # everyone is there from the first slot to the last
                    "departs": "",
                }
            )
    return rows


def request_rows(draft: Draft) -> list[Row]:
    """One row per request in arrival order, with made-up times in the month before."""
    rng = draft.rng
    zone = ZoneInfo(draft.spec.timezone)
    opens = datetime.combine(draft.start - timedelta(days=30), time(9, 0), zone)
    span = int(timedelta(days=29, hours=9).total_seconds())
    # Requests pile up towards the deadline.
    offsets = sorted(int(span * rng.random() ** 0.6) for _ in draft.requests)
    for i in range(1, len(offsets)):
        offsets[i] = max(offsets[i], offsets[i - 1] + 1)
    rows: list[Row] = []
    for k, (r, offset) in enumerate(zip(draft.requests, offsets, strict=True)):
        created = (opens + timedelta(seconds=offset)).isoformat(timespec="seconds")
        rows.append(
            {
                "id": f"R{k + 1:05d}",
                "from": draft.people[r.src].pid,
                "to": draft.people[r.dst].pid,
                "priority": str(r.priority),
                "to_priority": str(r.to_priority) if r.to_priority else "",
                "mode": r.mode,
                "status": r.status,
                "length": str(r.length),
                "with_from": ";".join(draft.people[i].pid for i in r.with_from),
                "with_to": ";".join(draft.people[i].pid for i in r.with_to),
                "third_seat": r.third_seat,
                "created": created,
            }
        )
    return rows
