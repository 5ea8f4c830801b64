"""Per-date availability, arrivals and departures, and locked meetings in the import.

The test fair (tests/factories.py) is in Asia/Shanghai, 27–28 Nov 2026, slots at 09:00,
09:30, 10:00, 11:00 and 11:30 (a coffee break at 10:30). de1 works 08:00–18:00 in Berlin,
which never meets the grid (it is 02:00–05:00 there) unless a date says otherwise.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fair.errors import ImportRejected
from fair.export import export_fair_files, to_workbook
from fair.importer import parse_files
from fair.loader import import_files, preview_files
from fair.models import Booth, Fair, Meeting, MeetingRequest, Participant, ScheduleVersion
from fair.planning import build_problem
from fair.scheduling import schedule_fair
from scheduler.problem import Options
from tests.factories import (
    PARTICIPANT_HEADER,
    PARTICIPANTS,
    REQUEST_HEADER,
    REQUESTS,
    csv_bytes,
    fair_files,
)

AVAILABILITY = ("participant", "date", "windows")
LOCKS = ("request", "date", "time", "place")


def with_tables(
    availability: list[dict[str, str]] | None = None,
    locks: list[dict[str, str]] | None = None,
    people: list[dict[str, str]] | None = None,
) -> dict[str, bytes]:
    files = fair_files()
    if people is not None:
        files["participants.csv"] = csv_bytes((*PARTICIPANT_HEADER, "arrives", "departs"), people)
    if availability is not None:
        files["availability.csv"] = csv_bytes(AVAILABILITY, availability)
    if locks is not None:
        files["locks.csv"] = csv_bytes(LOCKS, locks)
    return files


def rejected(files: dict[str, bytes]) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        parse_files(files)
    return [str(p) for p in info.value.problems]


def row(participant: str, day: str, windows: str) -> dict[str, str]:
    return {"participant": participant, "date": day, "windows": windows}


def lock(request: str, day: str, at: str, place: str) -> dict[str, str]:
    return {"request": request, "date": day, "time": at, "place": place}


# ---------------------------------------------------------------------------- parsing


def test_availability_rows_become_each_persons_dates() -> None:
    data = parse_files(
        with_tables(
            [
                row("de1", "2026-11-27", "01:00-03:00 ; 04:00-05:00"),
                row("de1", "2026-11-28", "away"),
                row("kr1", "2026-11-28", "22:00-02:00"),
            ]
        )
    )
    dates = {p.key: p.dates for p in data.participants}
    assert dates["de1"] == {"2026-11-27": ("01:00-03:00", "04:00-05:00"), "2026-11-28": ()}
    assert dates["kr1"] == {"2026-11-28": ("22:00-02:00",)}
    assert dates["cn1"] == {}  # in the file's people, without rows: none
    assert all(p.dates is None for p in parse_files(fair_files()).participants)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (row("de1", "27.11.2026", "away"), "column date: '27.11.2026' is not a date YYYY-MM-DD"),
        (
            row("de1", "2026-11-25", "away"),
            "column date: 2026-11-25 is not a date of the fair in anyone's zone "
            "(2026-11-26 to 2026-11-29)",
        ),
        (row("de1", "2026-11-27", "9-12"), "column windows: '9-12' is not a window HH:MM-HH:MM"),
        (
            row("de1", "2026-11-27", "09:00-12:00 11:00-13:00"),
            "column windows: window 09:00-12:00 overlaps 11:00-13:00",
        ),
        (row("de1", "2026-11-27", "10:00-10:00"), "column windows: window '10:00-10:00' ends "),
        (row("de1", "2026-11-27", ""), "column windows: is empty"),
        (
            row("zz9", "2026-11-27", "away"),
            "column participant: unknown participant 'zz9' (not in participants.csv)",
        ),
    ],
)
def test_availability_bad_row_names_file_row_and_column(
    cells: dict[str, str], message: str
) -> None:
    errors = rejected(with_tables([row("kr1", "2026-11-27", "away"), cells]))
    assert len(errors) == 1 and errors[0].startswith(f"availability.csv, row 3, {message}")


def test_availability_second_row_for_a_date_is_refused() -> None:
    errors = rejected(
        with_tables([row("de1", "2026-11-27", "away"), row("de1", "2026-11-27", "01:00-02:00")])
    )
    assert errors == [
        "availability.csv, row 3, column date: 'de1' already has a row for 2026-11-27 (row 2)"
    ]


def test_availability_date_line_days_either_side_of_the_fair_are_allowed() -> None:
    data = parse_files(
        with_tables([row("de1", "2026-11-26", "away"), row("de1", "2026-11-29", "away")])
    )
    assert set(next(p for p in data.participants if p.key == "de1").dates or {}) == {
        "2026-11-26",
        "2026-11-29",
    }


def test_availability_sheet_of_a_workbook_is_checked_the_same() -> None:
    files = with_tables([row("de1", "2026-11-27", "25:00-26:00")])
    book = {"fair.toml": files["fair.toml"], "fair.xlsx": to_workbook(files)}
    with pytest.raises(ImportRejected) as info:
        parse_files(book)
    assert [str(p) for p in info.value.problems] == [
        "[fair.xlsx]availability, row 2, column windows: "
        "'25:00-26:00' is not a window of times of day"
    ]
    good = with_tables([row("de1", "2026-11-27", "01:00-03:00")])
    book = {"fair.toml": good["fair.toml"], "fair.xlsx": to_workbook(good)}
    assert parse_files(book).participants == parse_files(good).participants


def test_arrives_and_departs_are_local_times_in_utc() -> None:
    people = copy.deepcopy(PARTICIPANTS)
    people[3].update(arrives="2026-11-27 03:30", departs="2026-11-28 04:00")  # Berlin, CET
    data = parse_files(with_tables(people=people))
    de1 = next(p for p in data.participants if p.key == "de1")
    assert de1.arrives == datetime(2026, 11, 27, 2, 30, tzinfo=UTC)
    assert de1.departs == datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("arrives", "departs", "message"),
    [
        ("27/11/2026 09:00", "", "column arrives: '27/11/2026 09:00' is not a date and time"),
        ("", "2026-11-28 25:00", "column departs: '25:00' is not a time of day"),
        (
            "2026-11-28 10:00",
            "2026-11-27 10:00",
            "column departs: departs 2026-11-27 10:00 is not after arrives 2026-11-28 10:00",
        ),
    ],
)
def test_arrives_departs_bad_cell_names_row_and_column(
    arrives: str, departs: str, message: str
) -> None:
    people = copy.deepcopy(PARTICIPANTS)
    people[3].update(arrives=arrives, departs=departs)
    errors = rejected(with_tables(people=people))
    assert len(errors) == 1 and errors[0].startswith(f"participants.csv, row 5, {message}")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (lock("r1", "2026-11-27", "9h", "KR-B01"), "column time: '9h' is not a time HH:MM"),
        (
            lock("r1", "2026-12-01", "09:00", "KR-B01"),
            "column date: 2026-12-01 is not a day of the fair (2026-11-27 to 2026-11-28)",
        ),
        (lock("r1", "", "09:00", "KR-B01"), "column date: is empty"),
        (lock("r1", "2026-11-27", "09:00", ""), "column place: is empty"),
        (
            lock("r2", "2026-11-27", "09:00", "online"),
            "column request: request 'r2' is locked twice (first on row 2)",
        ),
    ],
)
def test_locks_bad_cell_names_file_row_and_column(cells: dict[str, str], message: str) -> None:
    errors = rejected(with_tables(locks=[lock("r2", "2026-11-27", "09:30", "online"), cells]))
    assert errors == [f"locks.csv, row 3, {message}"]


# ---------------------------------------------------------------------------- writing


def test_import_stores_dates_and_stay_and_the_solver_sees_them(engine: Engine) -> None:
    people = copy.deepcopy(PARTICIPANTS)
    # cn1, Shanghai: from the 10:00 slot on, gone after 10:30 on the 28th
    people[2].update(arrives="2026-11-27 10:00", departs="2026-11-28 10:30")
    summary = import_files(
        engine,
        with_tables(
            [row("de1", "2026-11-27", "02:00-03:00"), row("kr1", "2026-11-28", "away")],
            people=people,
        ),
    )
    with Session(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        assert de1.dates == {"2026-11-27": ["02:00-03:00"]}
        problem = build_problem(session, summary.fair_id).problem
    assert problem.people["de1"].dates == ((date(2026, 11, 27), ((time(2), time(3)),)),)
    assert problem.people["kr1"].dates == ((date(2026, 11, 28), ()),)
    cn1_busy = problem.people["cn1"].busy
    assert cn1_busy == (
        (problem.slots[0].start, datetime(2026, 11, 27, 2, tzinfo=UTC)),
        (datetime(2026, 11, 28, 2, 30, tzinfo=UTC), problem.slots[-1].end),
    )
    schedule_fair(engine, summary.fair_id, Options(time_limit=5, workers=1))
    with Session(engine) as session:
        meetings = {
            key: m
            for m, key in session.exec(
                select(Meeting, MeetingRequest.key).join(
                    MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id)
                )
            )
        }
    # r2 (de1–kr1, online) only fits de1's 02:00-03:00 Berlin on the 27th: 09:00 or 09:30
    assert meetings["r2"].start in {
        datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 1, 30, tzinfo=UTC),
    }
    # r1 (cn1 on site day 1 only, arriving at 10:00) is at 10:00 or later on the 27th
    assert datetime(2026, 11, 27, 2, tzinfo=UTC) <= meetings["r1"].start
    assert meetings["r1"].start < datetime(2026, 11, 28, tzinfo=UTC)


def test_import_without_availability_keeps_stored_dates(engine: Engine) -> None:
    import_files(engine, with_tables([row("de1", "2026-11-27", "02:00-03:00")]))
    import_files(engine, fair_files())
    with Session(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        assert de1.dates == {"2026-11-27": ["02:00-03:00"]}
    import_files(engine, with_tables([]))
    with Session(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        assert de1.dates == {}


def locked_meetings(session: Session) -> dict[str, tuple[datetime, str, bool]]:
    out = {}
    for m, key in session.exec(
        select(Meeting, MeetingRequest.key)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
        .order_by(col(ScheduleVersion.number).desc())
    ):
        out.setdefault(key, (m.start, m.room or str(m.booth_id), m.locked))
    return out


def test_import_locks_make_an_import_draft_that_schedule_keeps(engine: Engine) -> None:
    files = with_tables(
        [row("de1", "2026-11-27", "02:00-03:00")],
        [lock("r2", "2026-11-27", "09:30", "online-1")],
    )
    summary = import_files(engine, files)
    assert ("locks", 1, 0, 0) in summary.counts()
    with Session(engine) as session:
        versions = session.exec(select(ScheduleVersion)).all()
        assert [(v.number, v.method, v.status) for v in versions] == [(1, "import", "draft")]
        assert locked_meetings(session) == {
            "r2": (datetime(2026, 11, 27, 1, 30, tzinfo=UTC), "online-1", True)
        }
    again = import_files(engine, files)  # the same locks again: nothing changes
    assert ("locks", 0, 0, 1) in again.counts()
    with Session(engine) as session:
        assert len(session.exec(select(ScheduleVersion)).all()) == 1
    number, _ = schedule_fair(engine, summary.fair_id, Options(time_limit=5, workers=1))
    assert number == 2
    with Session(engine) as session:
        now = locked_meetings(session)
    assert now["r2"] == (datetime(2026, 11, 27, 1, 30, tzinfo=UTC), "online-1", True)
    assert "r1" in now and not now["r1"][2]


def test_import_lock_moves_a_meeting_locked_elsewhere(engine: Engine) -> None:
    import_files(
        engine,
        with_tables(
            [row("de1", "2026-11-27", "02:00-03:00")],
            [lock("r2", "2026-11-27", "09:30", "online-1")],
        ),
    )
    summary = import_files(
        engine,
        with_tables(
            [row("de1", "2026-11-27", "02:00-03:00")],
            [lock("r2", "2026-11-27", "09:00", "online")],
        ),
    )
    assert ("locks", 0, 1, 0) in summary.counts()
    with Session(engine) as session:
        assert locked_meetings(session)["r2"] == (
            datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
            "online-1",
            True,
        )
    # a locks.csv without r2 leaves r2's lock as it is
    import_files(engine, with_tables(locks=[lock("r1", "2026-11-27", "10:00", "KR-B01")]))
    with Session(engine) as session:
        now = locked_meetings(session)
    assert now["r2"] == (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "online-1", True)
    assert now["r1"][0] == datetime(2026, 11, 27, 2, 0, tzinfo=UTC) and now["r1"][2]


def test_import_locks_in_a_taken_place_refuse_everything(engine: Engine) -> None:
    people = [
        *copy.deepcopy(PARTICIPANTS),
        {
            "id": "cn2",
            "company": "烟台海味贸易有限公司",
            "name": "李娜",
            "email": "lina@haiwei.example",
            "role": "buyer",
            "country": "CN",
            "timezone": "Asia/Shanghai",
            "onsite": "all",
        },
    ]
    people[1]["onsite"] = "all"  # kr2, at the same booth as kr1
    files = with_tables(
        locks=[
            lock("r1", "2026-11-27", "09:00", "KR-B01"),
            lock("r4", "2026-11-27", "09:00", "KR-B01"),
        ],
        people=people,
    )
    requests = [
        *copy.deepcopy(REQUESTS),
        {
            "id": "r4",
            "from": "cn2",
            "to": "kr2",
            "priority": "4",
            "mode": "in_person",
            "status": "accepted",
        },
    ]
    files["requests.csv"] = csv_bytes(REQUEST_HEADER, requests)
    with pytest.raises(ImportRejected) as info:
        import_files(engine, files)
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        "locks.csv, row 3, column place: KR-B01 is full at Fri 09:00 "
        "(青岛海润食品有限公司 ↔ 부산해양식품 주식회사)."
    ]
    with Session(engine) as session:
        assert session.exec(select(MeetingRequest)).first() is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (lock("r9", "2026-11-27", "09:00", "online"), "column request: unknown request 'r9'"),
        (
            lock("r3", "2026-11-27", "09:00", "online"),
            "column request: request 'r3' is pending: only an accepted request can be locked",
        ),
        (
            lock("r1", "2026-11-27", "10:45", "KR-B01"),
            "column time: no slot of the grid starts at 2026-11-27 10:45 (Asia/Shanghai)",
        ),
        (
            lock("r1", "2026-11-27", "09:00", "KR-Z99"),
            "column place: no place KR-Z99 (a booth id, a table id, online or online-N)",
        ),
        (lock("r1", "2026-11-27", "09:00", "online"), "column place: This meeting is in person"),
        (lock("r2", "2026-11-27", "09:00", "online"), "column time: "),  # de1 not at work
        (lock("r1", "2026-11-28", "09:00", "KR-B01"), "column time: "),  # cn1 on site day 1
    ],
)
def test_import_lock_that_cannot_hold_refuses_everything(
    engine: Engine, cells: dict[str, str], message: str
) -> None:
    files = with_tables(locks=[cells])
    with pytest.raises(ImportRejected) as info:
        preview_files(engine, files)
    first = str(info.value.problems[0])
    assert first.startswith(f"locks.csv, row 2, {message}"), first
    with pytest.raises(ImportRejected):
        import_files(engine, files)
    with Session(engine) as session:
        assert session.exec(select(Fair)).first() is None
        assert session.exec(select(ScheduleVersion)).first() is None


def test_import_lock_on_an_away_day_names_the_hours(engine: Engine) -> None:
    files = with_tables(
        [row("kr1", "2026-11-27", "away")], [lock("r1", "2026-11-27", "09:00", "KR-B01")]
    )
    with pytest.raises(ImportRejected) as info:
        import_files(engine, files)
    problems = [str(p) for p in info.value.problems]
    assert problems and all(p.startswith("locks.csv, row 2, column time: ") for p in problems)
    assert any("outside" in p and "hours" in p for p in problems), problems
    with Session(engine) as session:
        assert session.exec(select(Participant)).first() is None


def test_export_round_trips_dates_stay_and_locks(engine: Engine, sqlite_engine: Engine) -> None:
    people = copy.deepcopy(PARTICIPANTS)
    people[3].update(arrives="2026-11-27 02:00", departs="2026-11-28 05:00")
    files = with_tables(
        [row("de1", "2026-11-27", "02:00-03:00 22:00-01:00"), row("kr1", "2026-11-28", "away")],
        [
            lock("r2", "2026-11-27", "09:30", "online-1"),
            lock("r1", "2026-11-27", "10:00", "KR-B01"),
        ],
        people=people,
    )
    summary = import_files(engine, files)
    with Session(engine) as session:
        exported = export_fair_files(session, summary.fair_id)
    assert exported["locks.csv"].decode().splitlines()[1:] == [
        "r2,2026-11-27,09:30,online-1",
        "r1,2026-11-27,10:00,KR-B01",
    ]
    original, again = parse_files(files), parse_files(exported)
    assert again.participants == original.participants
    assert sorted(again.locks, key=lambda x: x.key) == sorted(original.locks, key=lambda x: x.key)
    other = sqlite_engine if engine is not sqlite_engine else None
    if other is not None:  # into a fresh database: the same locks, again in an import draft
        import_files(other, exported)
        with Session(other) as session:
            assert locked_meetings(session) == {
                "r2": (datetime(2026, 11, 27, 1, 30, tzinfo=UTC), "online-1", True),
                "r1": (datetime(2026, 11, 27, 2, 0, tzinfo=UTC), locked_booth(session), True),
            }


def locked_booth(session: Session) -> str:
    return str(session.exec(select(Booth.id).where(Booth.key == "KR-B01")).one())
