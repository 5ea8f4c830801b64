"""Exports: the fair back in the import format, and the meeting grid as CSV or JSON.

The import-format export is what makes a round trip checkable (import → export → the
same data) and lets an organiser edit a live fair in a spreadsheet. The grid export is
the same data the organiser's grid page shows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fair.columns import (
    BOOTH_KEYS,
    BREAK_KEYS,
    FAIR_KEYS,
    PARTICIPANT_COLUMNS,
    PAVILION_KEYS,
    PRODUCT_COLUMNS,
    REQUEST_COLUMNS,
    TABLE_KEYS,
    ordered,
)
from fair.models import (
    Booth,
    Company,
    Fair,
    FairBreak,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    Pavilion,
    Product,
    RequestAttendee,
    ScheduleVersion,
)

FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets take for a formula


def spreadsheet_cell(value: Any) -> Any:
    """A cell of a CSV meant for spreadsheets (not for re-import): booleans as yes/no,
    and text a spreadsheet would run as a formula (a name or note typed as
    `=HYPERLINK(…)`, say) kept as text with a leading apostrophe (OWASP's advice against
    CSV injection)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value


def csv_bytes(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """CSV in UTF-8 with CRLF lines and a header; None is an empty cell."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, time):
        return json.dumps(value.strftime("%H:%M"))
    return json.dumps(str(value), ensure_ascii=False)


def _toml_table(header: str, values: Mapping[str, Any]) -> str:
    lines = [header] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def _fmt_list(items: Sequence[Any]) -> str:
    return ";".join(str(i) for i in items)


def _fmt_decimal(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def export_fair_files(session: Session, fair_id: int) -> dict[str, bytes]:
    """The fair in the import format of `docs/import.md` (name → bytes)."""
    fair = session.get(Fair, fair_id)
    assert fair is not None
    pavilions = session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id)).all()
    pav_key = {p.id: p.key for p in pavilions}
    booths = session.exec(select(Booth).where(Booth.fair_id == fair_id)).all()
    booth_key = {b.id: b.key for b in booths}
    toml = _fair_toml(session, fair, pavilions, booths, pav_key)
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    people = session.exec(
        select(Participant).where(Participant.fair_id == fair_id).order_by(col(Participant.id))
    ).all()
    person_key = {p.id: p.key for p in people}
    participant_rows = [
        _participant_row(p, companies[p.company_id], pav_key, booth_key) for p in people
    ]
    request_rows = _request_rows(session, fair_id, person_key)
    product_rows = _product_rows(session, fair_id, companies)
    files = {
        "fair.toml": toml.encode("utf-8"),
        "participants.csv": csv_bytes(PARTICIPANT_COLUMNS, participant_rows),
        "requests.csv": csv_bytes(REQUEST_COLUMNS, request_rows),
    }
    if product_rows:
        files["products.csv"] = csv_bytes(PRODUCT_COLUMNS, product_rows)
    return files


def _fair_toml(
    session: Session,
    fair: Fair,
    pavilions: Sequence[Pavilion],
    booths: Sequence[Booth],
    pav_key: Mapping[int | None, str],
) -> str:
    """`fair.toml`: the [fair] table, then breaks, pavilions, booths and shared tables."""
    tables = session.exec(select(MeetingTable).where(MeetingTable.fair_id == fair.id)).all()
    breaks = session.exec(
        select(FairBreak).where(FairBreak.fair_id == fair.id).order_by(col(FairBreak.start))
    ).all()
    head = {
        "name": fair.name,
        "timezone": fair.timezone,
        "start": fair.start.isoformat(),
        "days": fair.days,
        "day_start": fair.day_start,
        "day_end": fair.day_end,
        "slot_minutes": fair.slot_minutes,
        "currency": fair.currency,
        "online_rooms": fair.online_rooms,
    }
    parts = [_toml_table("[fair]", ordered(FAIR_KEYS, head))]
    parts += [
        _toml_table(
            "[[breaks]]", ordered(BREAK_KEYS, {"start": b.start, "end": b.end, "label": b.label})
        )
        for b in breaks
    ]
    parts += [
        _toml_table(
            "[[pavilions]]",
            ordered(PAVILION_KEYS, {"id": p.key, "name": p.name, "country": p.country}),
        )
        for p in pavilions
    ]
    parts += [
        _toml_table(
            "[[booths]]",
            ordered(
                BOOTH_KEYS,
                {
                    "id": b.key,
                    "pavilion": pav_key[b.pavilion_id],
                    "name": b.name,
                    "tables": b.tables,
                },
            ),
        )
        for b in booths
    ]
    parts += [
        _toml_table(
            "[[tables]]",
            ordered(
                TABLE_KEYS,
                {"id": t.key, "pavilion": pav_key[t.pavilion_id], "capacity": t.capacity},
            ),
        )
        for t in tables
    ]
    return "\n".join(parts)


def _participant_row(
    p: Participant,
    c: Company,
    pav_key: Mapping[int | None, str],
    booth_key: Mapping[int | None, str],
) -> dict[str, Any]:
    """One row of `participants.csv`: the person, with their company's fields repeated."""
    return {
        "id": p.key,
        "company": c.name,
        "name": p.name,
        "email": p.email,
        "role": c.role,
        "country": c.country,
        "timezone": p.timezone,
        "pavilion": pav_key.get(c.pavilion_id, ""),
        "booth": booth_key.get(c.booth_id, ""),
        "sectors": _fmt_list(c.sectors),
        "offers": _fmt_list(c.offers),
        "needs": _fmt_list(c.needs),
        "languages": _fmt_list(p.languages),
        "onsite": _fmt_list(p.onsite_days),
        "available": _fmt_list(p.windows),
        "interprets": _fmt_list(p.interprets),
        "service": p.service,
        "max_per_day": p.max_per_day,
        "max_total": p.max_total,
    }


def _request_rows(
    session: Session, fair_id: int, person_key: Mapping[int | None, str]
) -> list[dict[str, Any]]:
    """The rows of `requests.csv`, in the order the requests were made."""
    requests = session.exec(
        select(MeetingRequest)
        .where(MeetingRequest.fair_id == fair_id)
        .order_by(col(MeetingRequest.created_at), col(MeetingRequest.id))
    ).all()
    attendees: dict[int, dict[str, list[str]]] = {}
    for a in session.exec(
        select(RequestAttendee).where(col(RequestAttendee.request_id).in_([r.id for r in requests]))
    ):
        attendees.setdefault(a.request_id, {}).setdefault(a.side, []).append(
            person_key[a.participant_id]
        )
    request_rows = []
    for r in requests:
        assert r.id is not None
        extra = attendees.get(r.id, {})
        request_rows.append(
            {
                "id": r.key,
                "from": person_key[r.from_id],
                "to": person_key[r.to_id],
                "priority": r.priority,
                "to_priority": r.to_priority,
                "mode": r.mode,
                "status": r.status,
                "length": r.length,
                "with_from": _fmt_list(sorted(extra.get("from", []))),
                "with_to": _fmt_list(sorted(extra.get("to", []))),
                "third_seat": r.third_seat,
                "created": r.created_at.isoformat(),
            }
        )
    return request_rows


def _product_rows(
    session: Session, fair_id: int, companies: Mapping[int | None, Company]
) -> list[dict[str, Any]]:
    """The rows of `products.csv`, in the order the products were imported."""
    products = session.exec(
        select(Product).where(Product.fair_id == fair_id).order_by(col(Product.id))
    ).all()
    return [
        {
            "id": pr.key,
            "company": companies[pr.company_id].name,
            "name": pr.name,
            "description": pr.description,
            "sector": pr.sector,
            "origin": pr.origin,
            "price_min": _fmt_decimal(pr.price_min),
            "price_max": _fmt_decimal(pr.price_max),
            "currency": pr.currency,
            "moq": pr.moq,
            "certifications": _fmt_list(pr.certifications),
        }
        for pr in products
    ]


GRID_COLUMNS = (
    "version",
    "day",
    "start",
    "end",
    "start_utc",
    "end_utc",
    "place_kind",
    "pavilion",
    "place",
    "request",
    "from",
    "from_name",
    "from_company",
    "from_country",
    "to",
    "to_name",
    "to_company",
    "to_country",
    "third_seat",
    "status",
)


def grid_rows(session: Session, version: ScheduleVersion) -> list[dict[str, Any]]:
    """One row per meeting of `version`, in time then place order; times in fair time."""
    fair = session.get(Fair, version.fair_id)
    assert fair is not None
    zone = ZoneInfo(fair.timezone)
    people = {
        p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair.id))
    }
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair.id))}
    pavilions = {p.id: p for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair.id))}
    booths = {b.id: b for b in session.exec(select(Booth).where(Booth.fair_id == fair.id))}
    tables = {
        t.id: t for t in session.exec(select(MeetingTable).where(MeetingTable.fair_id == fair.id))
    }
    requests = {
        r.id: r
        for r in session.exec(select(MeetingRequest).where(MeetingRequest.fair_id == fair.id))
    }
    meetings = session.exec(
        select(Meeting).where(Meeting.version_id == version.id).order_by(col(Meeting.start))
    ).all()
    rows = []
    for m in meetings:
        r = requests[m.request_id]
        a, b = people[r.from_id], people[r.to_id]
        pavilion, place = "", m.room
        if m.booth_id is not None:
            booth = booths[m.booth_id]
            pavilion, place = pavilions[booth.pavilion_id].key, booth.key
        elif m.table_id is not None:
            table = tables[m.table_id]
            pavilion, place = pavilions[table.pavilion_id].key, table.key
        local_start, local_end = m.start.astimezone(zone), m.end.astimezone(zone)
        third = people[m.third_seat_id].key if m.third_seat_id is not None else ""
        rows.append(
            {
                "version": version.number,
                "day": (local_start.date() - fair.start).days + 1,
                "start": local_start.strftime("%Y-%m-%d %H:%M"),
                "end": local_end.strftime("%Y-%m-%d %H:%M"),
                "start_utc": m.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end_utc": m.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "place_kind": m.place_kind,
                "pavilion": pavilion,
                "place": place,
                "request": r.key,
                "from": a.key,
                "from_name": a.name,
                "from_company": companies[a.company_id].name,
                "from_country": companies[a.company_id].country,
                "to": b.key,
                "to_name": b.name,
                "to_company": companies[b.company_id].name,
                "to_country": companies[b.company_id].country,
                "third_seat": third,
                "status": m.status,
            }
        )
    rows.sort(key=lambda row: (row["start_utc"], row["place_kind"], row["place"], row["request"]))
    return rows


def format_grid(rows: Sequence[Mapping[str, Any]], fmt: str) -> str:
    """The grid as CSV or JSON text."""
    if fmt == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=1) + "\n"
    cells = ({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)
    return csv_bytes(GRID_COLUMNS, cells).decode("utf-8")
