"""Mutated calendars against the busy-time import (`fair.busy`): real exports with lines
dropped, doubled, cut, corrupted or replaced by hostile ones — endless and huge
recurrences, negative and enormous durations, unknown TZIDs, years out of range.

Every file either gives a bounded list of busy times inside the fair's window, or is
refused with an `InvalidInput` that says where (a line, an event's UID, or the file);
it is done quickly whatever the recurrence says; a refused import leaves the stored busy
times exactly as they were; and the upload page answers 302 or 400, never a 500.
"""

from __future__ import annotations

import logging
import os
import re
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair.busy import MAX_BUSY, fair_window, import_busy, parse_busy
from fair.db import session_scope
from fair.errors import InvalidInput
from fair.loader import import_files
from fair.models import BusyTime, Fair, Participant
from tests.factories import fair_files
from tests.fair.test_busy import OUTLOOK_TZ, WEEKLY_SEOUL, WINDOW, ics
from tests.web.conftest import Site
from web.keys import RATE_COUNTER
from web.ratelimit import MemoryCounter

SEEDS = [
    ics(WEEKLY_SEOUL),
    ics(
        "UID:daily\nSUMMARY:Daily\nDTSTART;TZID=Europe/Berlin:20261120T090000\nDURATION:PT30M\n"
        "RRULE:FREQ=DAILY;COUNT=20\nEXDATE;TZID=Europe/Berlin:20261127T090000\n"
        "RDATE;TZID=Europe/Berlin:20261128T200000",
        "UID:daily\nRECURRENCE-ID;TZID=Europe/Berlin:20261128T090000\n"
        "DTSTART;TZID=Europe/Berlin:20261128T150000\nDTEND;TZID=Europe/Berlin:20261128T153000",
    ),
    ics(
        "UID:outlook\nSUMMARY:Board\nDTSTART;TZID=Korea Standard Time:20261127T140000\n"
        "DTEND;TZID=Korea Standard Time:20261127T150000",
        timezones=OUTLOOK_TZ,
    ),
    ics("UID:allday\nSUMMARY:Holiday\nDTSTART;VALUE=DATE:20261128\nDTEND;VALUE=DATE:20261129"),
]
HOSTILE = [
    "RRULE:FREQ=SECONDLY",
    "RRULE:FREQ=MINUTELY;INTERVAL=1",
    "RRULE:FREQ=SECONDLY;BYSECOND=0,1,2,3,4,5,6,7,8,9;BYMINUTE=0,1,2,3,4,5",
    "RRULE:FREQ=YEARLY;COUNT=999999999",
    "RRULE:FREQ=DAILY;UNTIL=99991231T000000Z",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=-1,1,2,3",
    "RRULE:FREQ=NONSENSE",
    "RRULE:",
    "DURATION:-P1D",
    "DURATION:P99999999W",
    "DURATION:PT0S",
    "DURATION:banana",
    "DTEND:20261101T000000Z",
    "DTSTART:99991231T235959Z",
    "DTSTART:00010101T000000Z",
    "DTSTART:20261127T250000Z",
    "DTSTART;TZID=Mars/Olympus_Mons:20261127T100000",
    "DTSTART;TZID=../../etc/passwd:20261127T100000",
    "DTSTART;TZID=:20261127T100000",
    "DTSTART;VALUE=DATE:2026",
    "RDATE:" + ",".join(f"202611{d:02}T{h:02}0000Z" for d in range(25, 31) for h in range(24)),
    "EXDATE:garbage",
    "RECURRENCE-ID:20261127T010000Z",
    "BEGIN:VALARM",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:" + "u" * 5000,
    "SUMMARY:" + "字" * 3000,
    "X-LONG;" + "P=1;" * 2000 + ":x",
    " continuation of nothing",
    "",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(SEEDS)).decode("utf-8").split("\r\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "double", "cut", "hostile", "bytes", "swap"]))
        if kind == "drop" and len(lines) > 1:
            del lines[at]
        elif kind == "double":
            lines.insert(at, lines[at])
        elif kind == "cut":
            lines[at] = lines[at][: draw(st.integers(0, max(len(lines[at]) - 1, 0)))]
        elif kind == "hostile":
            lines.insert(at, draw(st.sampled_from(HOSTILE)))
        elif kind == "bytes":
            junk = draw(st.text(st.characters(codec="utf-8"), max_size=20))
            lines[at] = lines[at] + junk
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    text = "\r\n".join(lines).encode("utf-8")
    if draw(st.booleans()):
        return text
    raw = bytearray(text)  # a few raw bytes flipped: maybe no longer UTF-8
    for _ in range(draw(st.integers(1, 3))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


WHERE = re.compile(r"line \d+|event |UID|time zone |the file|calendar|iCalendar|busy times")
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))  # more examples for a deeper run by hand
FUZZ = hsettings(
    max_examples=150 * SCALE,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@given(mutated())
@FUZZ
def test_mutated_calendars_are_read_bounded_or_refused_saying_where(data: bytes) -> None:
    started = time.monotonic()
    try:
        found = parse_busy(data, *WINDOW, "Asia/Seoul")
    except InvalidInput as exc:
        message = str(exc)
        assert WHERE.search(message), message
        assert "Traceback" not in message and len(message) < 600
    else:
        assert len(found) <= MAX_BUSY
        assert all(WINDOW[0] <= b.start < b.end <= WINDOW[1] for b in found)
    assert time.monotonic() - started < 5, "recurrence expansion must be bounded"


@pytest.mark.parametrize("rule", [h for h in HOSTILE if h.startswith("RRULE:FREQ=")])
def test_unbounded_recurrences_are_bounded(rule: str) -> None:
    data = ics(f"UID:bomb\nSUMMARY:Bomb\nDTSTART:20261101T000000Z\nDURATION:PT1S\n{rule}")
    started = time.monotonic()
    try:
        found = parse_busy(data, *WINDOW, "Asia/Seoul")
    except InvalidInput as exc:
        assert "bomb" in str(exc) or "line" in str(exc)
    else:
        assert len(found) <= MAX_BUSY
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------------------- all or nothing


@pytest.fixture
def kr1(sqlite_engine: Engine) -> tuple[Engine, int]:
    import_files(sqlite_engine, fair_files())
    with session_scope(sqlite_engine) as session:
        person = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        import_busy(session, person, SEEDS[1])
        assert person.id is not None
        return sqlite_engine, person.id


def stored(engine: Engine, pid: int) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(BusyTime).where(BusyTime.participant_id == pid)).all()
        return sorted((r.start.isoformat(), r.end.isoformat(), r.source) for r in rows)


@given(mutated())
@FUZZ
def test_refused_import_changes_nothing_accepted_one_replaces_all(
    kr1: tuple[Engine, int], data: bytes
) -> None:
    engine, pid = kr1
    before = stored(engine, pid)
    try:
        with session_scope(engine) as session:
            person = session.get(Participant, pid)
            assert person is not None
            rows = import_busy(session, person, data)
            expected = sorted((r.start.isoformat(), r.end.isoformat(), r.source) for r in rows)
    except InvalidInput:
        assert stored(engine, pid) == before
    else:
        assert stored(engine, pid) == expected
        with Session(engine) as session:
            fair = session.get(Fair, session.get(Participant, pid).fair_id)  # type: ignore[union-attr]
            assert fair is not None
            start, end = fair_window(fair)
        assert all(start.isoformat() <= s < e <= end.isoformat() for s, e, _ in expected)
        with session_scope(engine) as session:  # back to the baseline for the next example
            person = session.get(Participant, pid)
            assert person is not None
            import_busy(session, person, SEEDS[1])


# ---------------------------------------------------------------------------- the page


@given(mutated())
@hsettings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
async def test_busy_upload_page_never_fails_with_500(
    site: Site, caplog: pytest.LogCaptureFixture, data: bytes
) -> None:
    import aiohttp

    caplog.set_level(logging.ERROR)
    if "csrf" not in site.tokens:
        await site.sign_in_participant("kr1")
        page = await (await site.client.get("/me/busy")).text()
        site.tokens["csrf"] = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    # 15 uploads from one client pass the busy-upload rate limit (12 a minute), which
    # is tested on its own (tests/security/test_rate_limits.py): start each afresh.
    counter = site.client.app[RATE_COUNTER]  # type: ignore[index]
    assert isinstance(counter, MemoryCounter)
    counter.hits.clear()
    form = aiohttp.FormData()
    form.add_field("csrf", site.tokens["csrf"])
    form.add_field("file", data, filename="calendar.ics", content_type="text/calendar")
    response = await site.client.post("/me/busy", data=form, allow_redirects=False)
    assert response.status in (302, 400), response.status
    assert "Traceback" not in await response.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
