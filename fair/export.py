"""Exports: the fair back in the import format (CSV files or an .xlsx workbook), the
import templates, and the meeting grid as CSV or JSON.

The import-format export is what makes a round trip checkable (import → export → the
same data) and lets an organiser edit a live fair in a spreadsheet. The templates are the
same files with a note row describing each column in the organiser's language and an
example row. The grid export is the same data the organiser's grid page shows.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fair.columns import (
    AVAILABILITY_COLUMNS,
    BOOTH_KEYS,
    BREAK_KEYS,
    CSV_FILES,
    FAIR_KEYS,
    LOCK_COLUMNS,
    PARTICIPANT_COLUMNS,
    PAVILION_KEYS,
    PRODUCT_COLUMNS,
    REQUEST_COLUMNS,
    TABLE_KEYS,
    ordered,
)
from fair.errors import N_
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
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
    files["availability.csv"] = csv_bytes(AVAILABILITY_COLUMNS, _availability_rows(people))
    files["locks.csv"] = csv_bytes(LOCK_COLUMNS, _lock_rows(session, fair))
    return files


def _local_minute(moment: datetime | None, zone: str) -> str:
    """A UTC instant as `YYYY-MM-DD HH:MM` wall-clock time in `zone` ("" for None)."""
    return "" if moment is None else f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


def _availability_rows(people: Sequence[Participant]) -> list[dict[str, Any]]:
    """The rows of `availability.csv`: each person's own hours per local date."""
    return [
        {"participant": p.key, "date": day, "windows": " ".join(windows) or "away"}
        for p in people
        for day, windows in sorted(p.dates.items())
    ]


def _lock_rows(session: Session, fair: Fair) -> list[dict[str, Any]]:
    """The rows of `locks.csv`: the locked meetings of the newest version, at their start
    in the fair's time zone and their place as the grid names it."""
    version = session.exec(
        select(ScheduleVersion)
        .where(ScheduleVersion.fair_id == fair.id)
        .order_by(col(ScheduleVersion.number).desc())
    ).first()
    if version is None:
        return []
    booths = {b.id: b.key for b in session.exec(select(Booth).where(Booth.fair_id == fair.id))}
    tables = {
        t.id: t.key
        for t in session.exec(select(MeetingTable).where(MeetingTable.fair_id == fair.id))
    }
    rows = []
    for m, key in session.exec(
        select(Meeting, MeetingRequest.key)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(Meeting.version_id == version.id, col(Meeting.locked).is_(True))
        .order_by(col(Meeting.start), col(MeetingRequest.key))
    ):
        local = m.start.astimezone(ZoneInfo(fair.timezone))
        if m.booth_id is not None:
            place = booths[m.booth_id]
        elif m.table_id is not None:
            place = tables[m.table_id]
        else:
            place = m.room or "online"
        rows.append(
            {"request": key, "date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}", "place": place}
        )
    return rows


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
        "registration": ";".join(fair.registration_roles),
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
        "language": p.language,
        "onsite": _fmt_list(p.onsite_days),
        "available": _fmt_list(p.windows),
        "interprets": _fmt_list(p.interprets),
        "service": p.service,
        "max_per_day": p.max_per_day,
        "max_total": p.max_total,
        "arrives": _local_minute(p.arrives, p.timezone),
        "departs": _local_minute(p.departs, p.timezone),
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


# ---------------------------------------------------------------------------- workbooks


def workbook_bytes(
    sheets: Mapping[str, Sequence[Sequence[Any]]], notes: int = 0, header: bool = True
) -> bytes:
    """An .xlsx workbook with one sheet per entry (title → rows). Every cell is text
    (a value like `=A1` stays text, not a formula); with `header` the first row is bold
    and frozen, and the `notes` rows after it are grey italics."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold, grey = Font(bold=True), Font(italic=True, color="666666")
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        if header:
            ws.freeze_panes = f"A{2 + notes}"
        for index, row in enumerate(rows):
            font = bold if header and index == 0 else grey if 0 < index <= notes else None
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value="" if value is None else str(value))
                cell.data_type = "s"
                if font is not None:
                    cell.font = font
                cells.append(cell)
            ws.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def shared_strings_workbook(sheets: Mapping[str, Sequence[Sequence[str]]]) -> bytes:
    """An .xlsx as Excel itself saves text: every cell a shared string, each sheet with
    its dimension, no styles (readers default them). openpyxl writes every string
    inline and leaves out the dimension, which makes reading a large sheet two to three
    times slower; this writer keeps the exports quick to import again."""
    strings: dict[str, int] = {}
    parts: dict[str, str] = {}
    for number, rows in enumerate(sheets.values(), start=1):
        width = max((len(r) for r in rows), default=1)
        out = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:{_column(width - 1)}{max(len(rows), 1)}"/><sheetData>'
        ]
        for r, row in enumerate(rows, start=1):
            out.append(f'<row r="{r}">')
            for c, value in enumerate(row):
                if value == "":
                    continue
                index = strings.setdefault(_xml_text(value), len(strings))
                out.append(f'<c r="{_column(c)}{r}" t="s"><v>{index}</v></c>')
            out.append("</row>")
        out.append("</sheetData></worksheet>")
        parts[f"xl/worksheets/sheet{number}.xml"] = "".join(out)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    names = list(sheets)
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{main}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
        + "</sst>"
    )
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" '
        f'xmlns:r="{rel}"><sheets>'
        + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{package}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rId{len(names) + 1}" Type="{rel}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    )
    parts["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{sheet_type}.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + '<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{sheet_type}.sharedStrings+xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def _xml_text(value: str) -> str:
    """`value` as XML character data that reads back the same: escaped, carriage returns
    as a reference (XML would turn them into newlines); a control character a workbook
    cannot hold is refused, as openpyxl refuses it."""
    if ILLEGAL_XML.search(value):
        raise ValueError(f"{value!r}: control characters cannot be kept in a workbook")
    return escape(value).replace("\r", "&#13;")


def to_workbook(files: Mapping[str, bytes]) -> bytes:
    """The CSV files of an import (UTF-8, as `export_fair_files` writes them) as one
    workbook with a sheet per file kind; `fair.toml` stays a file of its own."""
    sheets = {
        name.removesuffix(".csv"): list(
            csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
        )
        for name, raw in files.items()
        if name in CSV_FILES
    }
    return shared_strings_workbook(sheets)


# ---------------------------------------------------------------------------- templates

TEMPLATE_LANGUAGES = ("en", "zh", "ko", "ja")
TEMPLATE_WORKBOOK = "fair-template.xlsx"

TEMPLATE_TOML = """\
# The fair: days, hours, slot grid, breaks, pavilions, booths, shared tables.
# Every key is described in docs/import.md.
[fair]
name = "Example Import Expo"
timezone = "Asia/Seoul"
start = "2027-05-12"
days = 2
day_start = "09:00"
day_end = "17:00"
slot_minutes = 30
currency = "USD"
online_rooms = 0

[[breaks]]
start = "12:00"
end = "13:00"
label = "Lunch"

[[pavilions]]
id = "KR"
name = "Korea Pavilion"
country = "KR"

[[pavilions]]
id = "CN"
name = "China Pavilion"
country = "CN"

[[booths]]
id = "KR-B001"
pavilion = "KR"
tables = 1

[[tables]]
id = "KR-T01"
pavilion = "KR"
capacity = 2
"""

# The example rows' words in each template language: exhibitor company and person,
# buyer company and person, a product and its description.
_EXAMPLE_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "en": (
        "Busan Marine Foods Co., Ltd.",
        "Minjun Kim",
        "Qingdao Hairun Foods Co., Ltd.",
        "Wei Wang",
        "Roasted seasoned laver",
        "Crisp laver snack, 5 g x 20 packs",
    ),
    "zh": (
        "釜山海洋食品株式会社",
        "金敏俊",
        "青岛海润食品有限公司",
        "王伟",
        "烤海苔",
        "香脆海苔零食，5克×20包",
    ),
    "ko": (
        "부산해양식품 주식회사",
        "김민준",
        "칭다오 하이룬 식품",
        "왕웨이",
        "조미김",
        "바삭한 김 스낵, 5g x 20봉",
    ),
    "ja": (
        "釜山海洋食品株式会社",
        "キム・ミンジュン",
        "青島海潤食品有限公司",
        "王偉",
        "味付け海苔",
        "パリパリの海苔スナック、5g×20袋",
    ),
}


def template_examples(lang: str) -> dict[str, list[dict[str, str]]]:
    """The example rows of each file kind, valid with `TEMPLATE_TOML`."""
    exhibitor, person, buyer, buyer_person, product, description = _EXAMPLE_WORDS[lang]
    blank_person = dict.fromkeys(PARTICIPANT_COLUMNS, "")
    blank_request = dict.fromkeys(REQUEST_COLUMNS, "")
    return {
        "participants.csv": [
            blank_person
            | {
                "id": "kr1",
                "company": exhibitor,
                "name": person,
                "email": "minjun.kim@busan-marine.example",
                "role": "exhibitor",
                "country": "KR",
                "timezone": "Asia/Seoul",
                "pavilion": "KR",
                "booth": "KR-B001",
                "sectors": "food;seafood",
                "offers": "laver;frozen seafood",
                "languages": "ko;en",
                "onsite": "all",
                "available": "09:00-17:00",
            },
            blank_person
            | {
                "id": "cn1",
                "company": buyer,
                "name": buyer_person,
                "email": "wang.wei@hairun.example",
                "role": "buyer",
                "country": "CN",
                "timezone": "Asia/Shanghai",
                "needs": "laver",
                "languages": "zh;en",
                "onsite": "1",
                "max_per_day": "8",
                "arrives": "2027-05-12 09:30",
            },
        ],
        "availability.csv": [
            {"participant": "cn1", "date": "2027-05-12", "windows": "10:00-12:00 13:00-16:00"},
            {"participant": "kr1", "date": "2027-05-13", "windows": "away"},
        ],
        "requests.csv": [
            blank_request
            | {
                "id": "r1",
                "from": "cn1",
                "to": "kr1",
                "priority": "5",
                "mode": "either",
                "status": "accepted",
                "length": "1",
            }
        ],
        "products.csv": [
            {
                "id": "p1",
                "company": exhibitor,
                "name": product,
                "description": description,
                "sector": "food",
                "origin": "KR",
                "price_min": "2.5",
                "price_max": "4",
                "currency": "USD",
                "moq": "1000",
                "certifications": "HACCP;KC",
            }
        ],
    }


def template_rows(kind: str, lang: str, translate: Callable[[str], str] = str) -> list[list[str]]:
    """A file kind's template: the canonical header, one note row (starting with `#`,
    which the importer skips) describing each column in `translate`'s language, and the
    example rows."""
    columns = CSV_FILES[kind]
    required = translate(N_("required"))
    notes = [translate(c.meaning) + (f" ({required})" if c.required else "") for c in columns]
    notes[0] = "# " + notes[0]
    examples = template_examples(lang).get(kind, [])
    return [
        [c.name for c in columns],
        notes,
        *[[row.get(c.name, "") for c in columns] for row in examples],
    ]


def template_files(lang: str, translate: Callable[[str], str] = str) -> dict[str, bytes]:
    """The templates as separate files: `fair.toml` and each CSV, in UTF-8 with a
    byte-order mark (so Excel opens them right in every locale)."""
    files = {"fair.toml": TEMPLATE_TOML.encode("utf-8")}
    for kind in CSV_FILES:
        rows = template_rows(kind, lang, translate)
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        files[kind] = codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    return files


def template_workbook(lang: str, translate: Callable[[str], str] = str) -> bytes:
    """The template workbook: a sheet per file kind, as `template_rows`."""
    return workbook_bytes(
        {kind.removesuffix(".csv"): template_rows(kind, lang, translate) for kind in CSV_FILES},
        notes=1,
    )
