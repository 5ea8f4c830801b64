"""Calendars read back by three parsers (icalendar, the Python `ical` package and
Mozilla's ical.js under Node) and compared with the meetings in the database, for people
in five time zones on a fair that spans the end of European summer time (25 Oct 2026);
re-solves keep UIDs, raise SEQUENCE and keep dropped meetings as cancelled."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.db import session_scope
from fair.ical import fair_calendar_file, participant_calendar, participant_calendar_file
from fair.loader import import_files
from fair.models import (
    Meeting,
    MeetingRequest,
    Participant,
    ScheduleVersion,
    VersionStatus,
)
from fair.publishing import publish
from fair.scheduling import schedule_fair
from tests.factories import csv_bytes

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ICAL_JS = ROOT / "node_modules" / "ical.js" / "dist" / "ical.js"
BASE = "https://fair.example"

DST_FAIR = """\
[fair]
name = "Cross-Zone Autumn Fair"
timezone = "Asia/Shanghai"
start = "2026-10-24"
days = 3
day_start = "14:00"
day_end = "17:00"
slot_minutes = 30

[[pavilions]]
id = "KR"
name = "Korea Pavilion"

[[pavilions]]
id = "JP"
name = "Japan Pavilion"

[[booths]]
id = "KR-B01"
pavilion = "KR"

[[booths]]
id = "JP-B01"
pavilion = "JP"
"""

HEADER = (
    "id",
    "company",
    "name",
    "email",
    "role",
    "country",
    "timezone",
    "pavilion",
    "booth",
    "offers",
    "needs",
    "onsite",
    "max_per_day",
)

PEOPLE = [
    {
        "id": "cn1",
        "company": "青岛海润食品有限公司",
        "name": "王伟",
        "email": "wangwei@hairun.example",
        "role": "buyer",
        "country": "CN",
        "timezone": "Asia/Shanghai",
        "needs": "frozen seafood;laver",
        "onsite": "all",
        "max_per_day": "1",
    },
    {
        "id": "kr1",
        "company": "부산해양식품 주식회사",
        "name": "김민준",
        "email": "minjun@busan-marine.example",
        "role": "exhibitor",
        "country": "KR",
        "timezone": "Asia/Seoul",
        "pavilion": "KR",
        "booth": "KR-B01",
        "offers": "frozen seafood;laver",
        "onsite": "all",
    },
    {
        "id": "jp1",
        "company": "北海道水産株式会社",
        "name": "佐藤花子",
        "email": "hanako@hokkaido-suisan.example",
        "role": "exhibitor",
        "country": "JP",
        "timezone": "Asia/Tokyo",
        "pavilion": "JP",
        "booth": "JP-B01",
        "offers": "scallops",
        "onsite": "all",
    },
    {
        "id": "de1",
        "company": "Müller, Schmidt & Co; GmbH",
        "name": "Jörg Müller",
        "email": "joerg@mueller-schmidt.example",
        "role": "exhibitor",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "offers": "smoked fish, sauces",
        "max_per_day": "1",
    },
    {
        "id": "il1",
        "company": "Negev Fresh Trade Ltd",
        "name": "שרה כהן",
        "email": "sarah@negev-fresh.example",
        "role": "buyer",
        "country": "IL",
        "timezone": "Asia/Jerusalem",
        "needs": "laver",
        "max_per_day": "1",
    },
]

REQUESTS = [
    {"id": f"{a}-{b}", "from": a, "to": b, "priority": "4", "mode": "either", "status": "accepted"}
    for a, b in [
        ("cn1", "de1"),
        ("il1", "de1"),
        ("cn1", "kr1"),
        ("cn1", "jp1"),
        ("il1", "kr1"),
        ("il1", "jp1"),
    ]
]
ZONES = {p["id"]: p["timezone"] for p in PEOPLE}


def dst_files(people: list[dict[str, str]] | None = None) -> dict[str, bytes]:
    from tests.factories import REQUEST_HEADER

    return {
        "fair.toml": DST_FAIR.encode("utf-8"),
        "participants.csv": csv_bytes(HEADER, PEOPLE if people is None else people),
        "requests.csv": csv_bytes(REQUEST_HEADER, REQUESTS),
    }


def build(engine: Engine) -> int:
    """Import, schedule (greedy) and publish the autumn fair; returns its id."""
    summary = import_files(engine, dst_files())
    number, _ = schedule_fair(
        engine, summary.fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
    )
    with session_scope(engine) as session:
        publish(session, summary.fair_id, number)
    return summary.fair_id


@pytest.fixture
def fair(engine: Engine) -> int:
    return build(engine)


def db_meetings(session: Session, fair_id: int, key: str) -> dict[str, tuple[datetime, datetime]]:
    """UID → (start, end) of the participant's published meetings, from the database."""
    person = session.exec(
        select(Participant).where(Participant.fair_id == fair_id, Participant.key == key)
    ).one()
    version = session.exec(
        select(ScheduleVersion).where(
            ScheduleVersion.fair_id == fair_id, ScheduleVersion.status == VersionStatus.PUBLISHED
        )
    ).one()
    out = {}
    for m, r in session.exec(
        select(Meeting, MeetingRequest)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(Meeting.version_id == version.id)
    ):
        if person.id in (r.from_id, r.to_id):
            out[f"{r.uid}@fair"] = (m.start, m.end)
    return out


def with_icalendar(text: str) -> dict[str, tuple[datetime, datetime, str, int]]:
    cal = icalendar.Calendar.from_ical(text)
    return {
        str(e["UID"]): (
            e.decoded("DTSTART"),
            e.decoded("DTEND"),
            str(e["STATUS"]),
            int(e["SEQUENCE"]),
        )
        for e in cal.walk("VEVENT")
    }


def with_ical(text: str) -> dict[str, tuple[datetime, datetime, str, int]]:
    cal = IcsCalendarStream.calendar_from_ics(text)
    out = {}
    for e in cal.events:
        assert isinstance(e.dtstart, datetime) and isinstance(e.dtend, datetime)
        status = e.status.value if e.status else ""
        out[str(e.uid)] = (e.dtstart, e.dtend, str(status), int(e.sequence or 0))
    return out


NODE_SCRIPT = """
import ICAL from %s;
import { readFileSync } from "node:fs";
const out = {};
for (const file of process.argv.slice(2)) {
  const comp = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  for (const v of comp.getAllSubcomponents("vevent")) {
    const e = new ICAL.Event(v);
    out[file + " " + e.uid] = [e.startDate.toJSDate().toISOString(),
      e.endDate.toJSDate().toISOString(), v.getFirstPropertyValue("status"), e.sequence,
      e.summary, e.location, v.getAllProperties("attendee").length,
      v.getFirstPropertyValue("organizer")];
  }
}
console.log(JSON.stringify(out));
"""


def with_ical_js(tmp: Path, texts: dict[str, str]) -> dict[str, dict[str, list[object]]]:
    """file name → UID → [start, end, status, sequence, summary, location, number of
    ATTENDEEs, ORGANIZER] per ical.js."""
    node = shutil.which("node")
    if node is None or not ICAL_JS.exists():
        pytest.skip("node or node_modules/ical.js missing (run `npm install`)")
    script = tmp / "read.mjs"
    script.write_text(NODE_SCRIPT % json.dumps(ICAL_JS.as_uri()), encoding="utf-8")
    paths = []
    for name, text in texts.items():
        path = tmp / f"{name}.ics"
        path.write_bytes(text.encode("utf-8"))
        paths.append(str(path))
    done = subprocess.run(
        [node, str(script), *paths], capture_output=True, text=True, timeout=60, check=True
    )
    found: dict[str, dict[str, list[object]]] = {name: {} for name in texts}
    for key, value in json.loads(done.stdout).items():
        path, uid = key.split(" ", 1)
        found[Path(path).stem][uid] = value
    return found


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def lines(text: str) -> Iterator[bytes]:
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    yield from data.split(b"\r\n")[:-1]


# ---------------------------------------------------------------------------- instants


def test_calendar_instants_match_database_in_five_zones(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        texts = {key: participant_calendar(session, fair, key, BASE) for key in ZONES}
        expected = {key: db_meetings(session, fair, key) for key in ZONES}
    assert sum(len(v) for v in expected.values()) == 2 * len(REQUESTS)
    for key, text in texts.items():
        want = expected[key]
        assert want, f"{key} has no meetings"
        for parsed in (with_icalendar(text), with_ical(text)):
            assert {uid: (s, e) for uid, (s, e, _, _) in parsed.items()} == want, key


def test_fair_spans_berlin_dst_change_and_local_times_follow(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        text = participant_calendar(session, fair, "de1", BASE)
        meetings = db_meetings(session, fair, "de1")
    berlin = ZoneInfo("Europe/Berlin")
    offsets = {start.astimezone(berlin).utcoffset() for start, _ in meetings.values()}
    assert offsets == {timedelta(hours=2), timedelta(hours=1)}, "meetings on both sides"
    cal = icalendar.Calendar.from_ical(text)
    for event in cal.walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        assert end - start == timedelta(minutes=30)
        local = start.astimezone(berlin)
        description = str(event["DESCRIPTION"])
        assert f"Your time: {local:%a %d %b %H:%M}–{end.astimezone(berlin):%H:%M}" in description
        assert "(Europe/Berlin)" in description and "(Asia/Shanghai)" in description
        assert event.decoded("DTSTART").tzinfo is not None
    assert "DTSTART:" in text and "TZID" not in text  # UTC throughout, no VTIMEZONE needed


def test_ical_js_reads_same_instants_as_database(engine: Engine, fair: int, tmp_path: Path) -> None:
    with Session(engine) as session:
        texts = {key: participant_calendar(session, fair, key, BASE) for key in ZONES}
        texts["all"] = fair_calendar_file(session, fair, BASE).text
        expected = {key: db_meetings(session, fair, key) for key in ZONES}
    found = with_ical_js(tmp_path, texts)
    for key in ZONES:
        got = {uid: (v[0], v[1]) for uid, v in found[key].items()}
        assert got == {uid: (iso(s), iso(e)) for uid, (s, e) in expected[key].items()}, key
        for v in found[key].values():
            assert v[2] == "CONFIRMED"
    assert len(found["all"]) == len(REQUESTS)
    de1 = next(v for v in found["de1"].values() if "青岛" in str(v[4]))
    assert de1[4] == "Meeting: 青岛海润食品有限公司"


# ---------------------------------------------------------------------------- format


def test_calendar_lines_are_crlf_folded_at_75_octets_without_splitting_utf8(
    engine: Engine, fair: int
) -> None:
    with Session(engine) as session:
        texts = [participant_calendar(session, fair, key, BASE) for key in ZONES]
        texts.append(fair_calendar_file(session, fair, BASE).text)
    folded = 0
    for text in texts:
        for line in lines(text):
            assert len(line) <= 75, line
            line.decode("utf-8")  # each physical line is whole UTF-8: no split character
            folded += line.startswith(b" ")
    assert folded > 10  # the Korean/Chinese/Hebrew names did force folding


def test_calendar_header_escaping_and_properties(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        text = participant_calendar(session, fair, "cn1", BASE)
    unfolded = text.replace("\r\n ", "")
    for needed in (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Open Virtual Trade Fair//",
        "METHOD:PUBLISH\r\n",
        "X-WR-CALNAME:Cross-Zone Autumn Fair — 王伟\r\n",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n",
        "X-PUBLISHED-TTL:PT1H\r\n",
        "SUMMARY:Meeting: Müller\\, Schmidt & Co\\; GmbH\r\n",
    ):
        assert needed in unfolded
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    de = events["Meeting: Müller, Schmidt & Co; GmbH"]
    assert "Müller, Schmidt & Co; GmbH offers: smoked fish, sauces." in str(de["DESCRIPTION"])
    assert "\n" in str(de["DESCRIPTION"])  # lines survive the \n escape
    # de1 is remote: an online meeting with its link in URL, CONFERENCE, LOCATION and text.
    link = str(de["URL"])
    assert link.startswith(f"{BASE}/rooms/")
    assert str(de["CONFERENCE"]) == link and de["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert link in str(de["LOCATION"]) and link in str(de["DESCRIPTION"])
    kr = events["Meeting: 부산해양식품 주식회사"]
    assert str(kr["LOCATION"]) == "Korea Pavilion, booth KR-B01"
    assert "URL" not in kr
    assert str(kr["ORGANIZER"]) == "mailto:wangwei@hairun.example"
    assert "ATTENDEE" not in kr  # METHOD:PUBLISH: the people are in DESCRIPTION
    assert "With 김민준 (부산해양식품 주식회사, KR)." in str(kr["DESCRIPTION"])
    alarm = kr.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    for event in cal.walk("VEVENT"):
        assert re.fullmatch(r"[0-9a-f]{32}@fair", str(event["UID"]))  # no names, no e-mails


def test_published_calendars_carry_no_attendee_in_three_parsers(
    engine: Engine, fair: int, tmp_path: Path
) -> None:
    """RFC 5546 3.2.1: a METHOD:PUBLISH event has an ORGANIZER and no ATTENDEE; the
    iTIP REQUEST of the same meeting keeps them (tests/fair/test_notify.py)."""
    with Session(engine) as session:
        texts = {key: participant_calendar(session, fair, key, BASE) for key in ZONES}
        texts["all"] = fair_calendar_file(session, fair, BASE).text
    organisers = {p["email"] for p in PEOPLE}
    for text in texts.values():
        for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            if "roadshow" in str(event["UID"]):
                continue
            assert "ATTENDEE" not in event
            assert str(event["ORGANIZER"]).removeprefix("mailto:") in organisers
        for e in IcsCalendarStream.calendar_from_ics(text).events:
            assert not e.attendees and e.organizer is not None
    for events in with_ical_js(tmp_path, texts).values():
        assert events
        for v in events.values():
            assert v[6] == 0 and str(v[7]).removeprefix("mailto:") in organisers


def test_reminder_minutes_zero_leaves_out_alarms(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        without = participant_calendar(session, fair, "cn1", BASE, reminder_minutes=0)
        with_30 = participant_calendar(session, fair, "cn1", BASE, reminder_minutes=30)
    assert "VALARM" not in without
    assert "TRIGGER:-PT30M" in with_30


def test_unchanged_calendar_is_byte_identical(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        first = participant_calendar_file(session, fair, "kr1", BASE)
    with Session(engine) as session:
        second = participant_calendar_file(session, fair, "kr1", BASE)
    assert first == second
    assert first.last_modified is not None


def test_calendar_queries_do_not_grow_with_meetings(engine: Engine, fair: int) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session:
            participant_calendar(session, fair, "kr1", BASE)
            per_participant = len(statements)
            statements.clear()
            fair_calendar_file(session, fair, BASE)
            fair_wide = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert per_participant <= 13, per_participant  # one more: the calendar_state rows
    assert fair_wide <= 12, fair_wide


def test_fair_wide_calendar_filters_one_booth(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        everything = with_icalendar(fair_calendar_file(session, fair, BASE).text)
        booth = fair_calendar_file(session, fair, BASE, place="KR-B01").text
    assert len(everything) == len(REQUESTS)
    at_booth = icalendar.Calendar.from_ical(booth).walk("VEVENT")
    assert at_booth and all("booth KR-B01" in str(e["LOCATION"]) for e in at_booth)
    assert "X-WR-CALNAME:Cross-Zone Autumn Fair — KR-B01" in booth


# ---------------------------------------------------------------------------- re-solves


def next_draft(
    session: Session, fair_id: int, move: str | None = None, drop: str | None = None
) -> int:
    """A new draft copying the published meetings, with one moved a day later and one
    left out (requests by key)."""
    current = session.exec(
        select(ScheduleVersion).where(
            ScheduleVersion.fair_id == fair_id, ScheduleVersion.status == VersionStatus.PUBLISHED
        )
    ).one()
    numbers = session.exec(
        select(ScheduleVersion.number).where(ScheduleVersion.fair_id == fair_id)
    ).all()
    draft = ScheduleVersion(fair_id=fair_id, number=max(numbers) + 1)
    session.add(draft)
    session.flush()
    keys = {r.id: r.key for r in session.exec(select(MeetingRequest))}
    for m in session.exec(select(Meeting).where(Meeting.version_id == current.id)):
        key = keys[m.request_id]
        if key == drop:
            continue
        shift = timedelta(days=1) if key == move else timedelta(0)
        session.add(
            Meeting(
                fair_id=fair_id,
                version_id=draft.id,
                request_id=m.request_id,
                start=m.start + shift,
                end=m.end + shift,
                place_kind=m.place_kind,
                booth_id=m.booth_id,
                table_id=m.table_id,
                room=m.room,
                third_seat_id=m.third_seat_id,
            )
        )
    session.flush()
    return draft.number


def uid_of(session: Session, key: str) -> str:
    return session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one().uid + "@fair"


def test_resolve_moved_keeps_uid_with_higher_sequence_dropped_is_cancelled(
    engine: Engine, fair: int, tmp_path: Path
) -> None:
    with Session(engine) as session:
        before = with_icalendar(participant_calendar(session, fair, "cn1", BASE))
        moved, dropped = uid_of(session, "cn1-kr1"), uid_of(session, "cn1-jp1")
        kept = uid_of(session, "cn1-de1")
        old_text = participant_calendar(session, fair, "cn1", BASE)
    with session_scope(engine) as session:
        diff = publish(session, fair, next_draft(session, fair, move="cn1-kr1", drop="cn1-jp1"))
    assert (len(diff.moved), len(diff.cancelled)) == (1, 1)
    with Session(engine) as session:
        text = participant_calendar(session, fair, "cn1", BASE)
        new_file = participant_calendar_file(session, fair, "cn1", BASE)
    for after in (with_icalendar(text), with_ical(text)):
        assert set(after) == set(before)  # same UIDs: no duplicates, nothing vanished
        assert after[moved][0] == before[moved][0] + timedelta(days=1)
        assert after[moved][3] == before[moved][3] + 1
        assert after[dropped][2].upper().endswith("CANCELLED")
        assert after[dropped][3] == before[dropped][3] + 1
        assert after[kept] == before[kept]
    js = with_ical_js(tmp_path, {"cn1": text})["cn1"]
    assert js[dropped][2] == "CANCELLED" and js[moved][3] == 1
    # The unchanged meeting's event is byte-identical; the changed ones got a new DTSTAMP.
    old_events = old_text.split("BEGIN:VEVENT")
    assert any(kept.split("@")[0] in e and e in text for e in old_events[1:])
    assert new_file.last_modified is not None and new_file.last_modified > before[kept][0] - (
        timedelta(days=365)
    )


def test_republishing_same_schedule_keeps_calendar_byte_identical(
    engine: Engine, fair: int
) -> None:
    with session_scope(engine) as session:
        publish(session, fair, next_draft(session, fair, drop="il1-kr1"))
    with Session(engine) as session:
        first = participant_calendar(session, fair, "kr1", BASE)
    with session_scope(engine) as session:
        publish(session, fair, next_draft(session, fair))
    with Session(engine) as session:
        assert participant_calendar(session, fair, "kr1", BASE) == first
        assert "STATUS:CANCELLED" in first


def test_meeting_back_after_cancellation_gets_sequence_above_the_cancel(
    engine: Engine, fair: int
) -> None:
    with Session(engine) as session:
        uid = uid_of(session, "il1-jp1")
        original = {m.request_id: m for m in session.exec(select(Meeting))}
    with session_scope(engine) as session:
        publish(session, fair, next_draft(session, fair, drop="il1-jp1"))
    with Session(engine) as session:
        cancelled = with_icalendar(participant_calendar(session, fair, "jp1", BASE))[uid]
    # Put it back: a draft with every original meeting again.
    with session_scope(engine) as session:
        number = next_draft(session, fair)
        draft = session.exec(select(ScheduleVersion).where(ScheduleVersion.number == number)).one()
        request_id = (
            session.exec(select(MeetingRequest).where(MeetingRequest.key == "il1-jp1")).one().id
        )
        m = next(m for m in original.values() if m.request_id == request_id)
        session.add(
            Meeting(
                fair_id=fair,
                version_id=draft.id,
                request_id=m.request_id,
                start=m.start,
                end=m.end,
                place_kind=m.place_kind,
                booth_id=m.booth_id,
                room=m.room,
            )
        )
        session.flush()
        publish(session, fair, number)
    with Session(engine) as session:
        back = with_icalendar(participant_calendar(session, fair, "jp1", BASE))[uid]
    assert cancelled[2] == "CANCELLED" and back[2] == "CONFIRMED"
    assert back[3] > cancelled[3]


def test_reimporting_newer_file_and_resolving_never_duplicates_events(
    engine: Engine, fair: int
) -> None:
    with Session(engine) as session:
        before = {k: with_icalendar(participant_calendar(session, fair, k, BASE)) for k in ZONES}
    people = [dict(p) for p in PEOPLE]
    people[3]["offers"] = "smoked fish;sauces;herring"
    people[4]["name"] = "Sarah Cohen"
    summary = import_files(engine, dst_files(people))
    assert summary.fair_id == fair
    number, _ = schedule_fair(
        engine, fair, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
    )
    with session_scope(engine) as session:
        publish(session, fair, number)
    with Session(engine) as session:
        for key in ZONES:
            text = participant_calendar(session, fair, key, BASE)
            after = with_icalendar(text)
            assert set(after) == set(before[key]), key
            assert text.count("BEGIN:VEVENT") == len(after)
            expected = db_meetings(session, fair, key)
            assert {u: (s, e) for u, (s, e, st, _) in after.items() if st == "CONFIRMED"} == (
                expected
            )
