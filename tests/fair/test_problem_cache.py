"""The cached problem (`fair.problem_cache`): every kind of change to what a problem is
built from moves the fair's key in the writer's own transaction, the cached planning then
equals a freshly built one, and the hand edits' cached workspace follows the draft
(SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from fair import grid_edits, problem_cache
from fair.availability import set_availability
from fair.busy import import_busy
from fair.db import make_engine, session_scope
from fair.grid_view import draft_diff
from fair.loader import import_files
from fair.models import MeetingRequest, Participant, Pavilion
from fair.planning import Planning, build_problem, version_assignments
from fair.publishing import publish
from fair.requests import accept_request
from fair.roadshows import RoadshowInput, cancel_roadshow, schedule_roadshow
from fair.scheduling import schedule_fair
from fair.versions import latest_version
from fair.whatif import Change, apply_lever
from scheduler.edits import Occupancy
from scheduler.validate import validate
from tests.conftest import POSTGRES_URL
from tests.factories import PARTICIPANTS, fair_files

pytestmark = pytest.mark.integration

OPTIONS = sp.Options(time_limit=5, workers=1, seed=0, levels=1)
PEOPLE = [{**p, "available": ""} if p["id"] == "de1" else p for p in PARTICIPANTS]


@pytest.fixture
def fair(engine: Engine) -> int:
    """The factory fair (Anna in Berlin available in its hours), scheduled and published
    as version 1: r1 (kr1 and cn1, in person) and r2 (kr1 and de1, online) are met."""
    fair_id = import_files(engine, fair_files(participants=PEOPLE)).fair_id
    schedule_fair(engine, fair_id, OPTIONS, method="greedy")
    with session_scope(engine) as session:
        publish(session, fair_id, 1)
    return fair_id


def person(session: Session, key: str) -> Participant:
    return session.exec(select(Participant).where(Participant.key == key)).one()


def request_id(session: Session, key: str) -> int:
    r = session.exec(select(MeetingRequest).where(MeetingRequest.key == key)).one()
    assert r.id is not None
    return r.id


def same_as_fresh(session: Session, fair_id: int) -> Planning:
    """The cached planning, checked equal to one built from the database now."""
    cached = problem_cache.planning_for(session, fair_id)
    fresh = build_problem(session, fair_id)
    assert cached.problem == fresh.problem
    for field in dataclasses.fields(Planning):
        if field.name not in {"fair", "problem"}:
            assert getattr(cached, field.name) == getattr(fresh, field.name), field.name
    assert cached.fair.model_dump() == fresh.fair.model_dump()
    return cached


def changes(
    engine: Engine, fair_id: int, write: Callable[[Session], object], problem: bool = True
) -> None:
    """`write`, committed, moves the fair's key; the cached planning then equals a fresh
    one, and (`problem`) differs from before, so a cache that missed the change fails."""
    with session_scope(engine) as session:
        key = problem_cache.read_key(session, fair_id)
        before = same_as_fresh(session, fair_id)
        assert problem_cache.planning_for(session, fair_id) is before  # from the cache
    with session_scope(engine) as session:
        write(session)
    with session_scope(engine) as session:
        assert problem_cache.read_key(session, fair_id) != key
        after = same_as_fresh(session, fair_id)
    assert (after.problem != before.problem) == problem


def test_planning_for_is_built_once_and_equals_a_fresh_build(engine: Engine, fair: int) -> None:
    with session_scope(engine) as session:
        first = same_as_fresh(session, fair)
    with session_scope(engine) as session:
        assert problem_cache.planning_for(session, fair) is first
        assert first.problem.previous  # the published schedule


def test_reimport_invalidates(engine: Engine, fair: int) -> None:
    moved = [{**p, "timezone": "Asia/Tokyo"} if p["id"] == "de1" else p for p in PEOPLE]
    changes(engine, fair, lambda _s: import_files(engine, fair_files(participants=moved)))


def test_accepting_a_request_invalidates(engine: Engine, fair: int) -> None:
    changes(
        engine,
        fair,
        lambda s: accept_request(s, person(s, "kr2"), request_id(s, "r3"), to_priority=4),
    )


def test_availability_invalidates(engine: Engine, fair: int) -> None:
    changes(
        engine,
        fair,
        lambda s: set_availability(s, person(s, "de1"), [1], ["07:00-12:00"], "Europe/Berlin"),
    )


def test_busy_times_invalidate(engine: Engine, fair: int) -> None:
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:call\r\nSUMMARY:Call\r\nDTSTART:20261127T013000Z\r\nDTEND:20261127T020000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    changes(engine, fair, lambda s: import_busy(s, person(s, "kr1"), ics))


def test_roadshows_invalidate(engine: Engine, fair: int) -> None:
    def show(session: Session) -> int:
        korea = session.exec(select(Pavilion).where(Pavilion.key == "KR")).one()
        form = RoadshowInput(
            presenter="kr2",
            pavilion=str(korea.id),
            title="New laver",
            description="Live from Busan.",
            day="2",
            start="09:00",
            minutes="30",
            products=(),
            audience_limit="",
        )
        made = schedule_roadshow(session, fair, form, max_audience=50)
        assert made.id is not None
        return made.id

    shows: list[int] = []
    changes(engine, fair, lambda s: shows.append(show(s)))
    changes(engine, fair, lambda s: cancel_roadshow(s, shows[0], fair_id=fair))


def test_whatif_levers_invalidate(engine: Engine, fair: int) -> None:
    changes(engine, fair, lambda s: apply_lever(s, fair, Change("slot")))


def test_hand_edits_move_the_key_and_locks_change_the_problem(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        planning = build_problem(session, fair)
        where = version_assignments(session, planning.keys, latest_version(session, fair))
    r2 = where["r2"]  # online: another video room is free
    start = planning.problem.slots[r2.start].start
    changes(
        engine,
        fair,
        lambda s: grid_edits.move(s, fair, "r2", start, "online-7"),
        problem=False,
    )
    changes(engine, fair, lambda s: grid_edits.set_lock(s, fair, "r2", True))
    changes(engine, fair, lambda s: grid_edits.undo(s, fair))  # the lock is taken back


def test_publishing_and_solving_invalidate(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        planning = build_problem(session, fair)
        where = version_assignments(session, planning.keys, latest_version(session, fair))
    start = planning.problem.slots[where["r2"].start].start
    with session_scope(engine) as session:
        grid_edits.move(session, fair, "r2", start, "online-7")
    # the published schedule (the problem's `previous`) becomes the edited draft
    changes(engine, fair, lambda s: publish(s, fair, 2))
    # a solve stores a new newest version: the key moves (its locks, none, are read)
    changes(engine, fair, lambda _s: schedule_fair(engine, fair, OPTIONS, "greedy"), False)


# Any writer, even a script in psql, moves the key: the database's triggers do it.
RAW_WRITES = {
    "fair": ["UPDATE fair SET online_rooms = 3"],
    "fair_break": ["DELETE FROM fair_break"],
    "pavilion": ["UPDATE pavilion SET key = 'KX' WHERE key = 'KR'"],
    "booth": ["UPDATE booth SET tables = 2"],
    "meeting_table": ["UPDATE meeting_table SET capacity = 3"],
    "company": ["UPDATE company SET name = name || ' Ltd'"],
    "participant": ["UPDATE participant SET max_per_day = 1 WHERE key = 'de1'"],
    "busy_time": [
        'INSERT INTO busy_time (participant_id, start, "end", source) SELECT id, '
        "'2026-11-27 01:00:00', '2026-11-27 02:00:00', 'psql' FROM participant WHERE key = 'kr1'"
    ],
    "meeting_request": ["UPDATE meeting_request SET priority = 1 WHERE key = 'r1'"],
    "request_attendee": [
        "INSERT INTO request_attendee (request_id, participant_id, side) SELECT r.id, p.id, "
        "'to' FROM meeting_request r, participant p WHERE r.key = 'r2' AND p.key = 'kr2'"
    ],
    "meeting (lock)": ["UPDATE meeting SET locked = true"],
    "meeting (place)": ["UPDATE meeting SET room = 'online-9' WHERE place_kind = 'online'"],
    "schedule_version": ["UPDATE schedule_version SET status = 'draft'"],
}


@pytest.mark.parametrize("table", list(RAW_WRITES))
def test_any_write_to_an_input_table_invalidates(engine: Engine, fair: int, table: str) -> None:
    def write(session: Session) -> None:
        for statement in RAW_WRITES[table]:
            assert session.execute(sa.text(statement)).rowcount > 0  # type: ignore[attr-defined]

    changes(engine, fair, write)


def test_writes_to_other_tables_keep_the_key(engine: Engine, fair: int) -> None:
    with session_scope(engine) as session:
        key = problem_cache.read_key(session, fair)
        session.execute(sa.text("UPDATE meeting SET status = 'no_show'"))  # presence
        session.execute(sa.text("UPDATE schedule_version SET figures = '{}'"))
        session.flush()
        assert problem_cache.read_key(session, fair) == key


def test_a_rolled_back_edit_leaves_no_stale_workspace(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        planning = build_problem(session, fair)
        where = version_assignments(session, planning.keys, latest_version(session, fair))
    start = planning.problem.slots[where["r2"].start].start
    with Session(engine) as session:
        grid_edits.move(session, fair, "r2", start, "online-5")
        session.rollback()
    with session_scope(engine) as session:
        grid_edits.move(session, fair, "r2", start, "online-6")
    assert_workspace_fresh(engine, fair)
    with Session(engine) as session:
        planning = build_problem(session, fair)
        where = version_assignments(session, planning.keys, latest_version(session, fair))
    assert where["r2"].place_id == "online-6"


def assert_workspace_fresh(engine: Engine, fair_id: int) -> problem_cache.Workspace:
    """The cached workspace (kept by the edits before, not built anew) holds the newest
    version's meetings as they are, indexed and validated as a fresh index and
    `validate` would."""
    with session_scope(engine) as session:
        key = problem_cache.read_key(session, fair_id)
        assert key is not None
        ws = problem_cache.take_workspace(session, key)
        planning = build_problem(session, fair_id)
        current = version_assignments(session, planning.keys, latest_version(session, fair_id))
    problem_cache.put_workspace(ws)  # as it was: the next edit goes on from it
    assert ws.planning.problem == planning.problem
    assert dict(ws.meetings.assignments) == current
    assert sorted(ws.ledger.errors()) == sorted(validate(planning.problem, current.values()))
    fresh = Occupancy(planning.problem, current.values())
    occ = ws.occupancy
    assert occ.person_slot.keys() == fresh.person_slot.keys()
    assert {k: sorted(v) for k, v in occ.place_slot.items() if v} == {
        k: sorted(v) for k, v in fresh.place_slot.items() if v
    }
    for counts in ("online_slot", "per_day", "total"):
        assert +getattr(occ, counts) == +getattr(fresh, counts), counts
    return ws


def test_workspace_follows_every_kind_of_edit(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        slots = [s.start for s in build_problem(session, fair).problem.slots]
    steps: list[Callable[[Session], object]] = [
        lambda s: grid_edits.check_targets(s, fair, "r2"),  # cached for the published one
        lambda s: grid_edits.move(s, fair, "r2", slots[6], "online"),  # carried to the draft
        lambda s: grid_edits.unschedule(s, fair, "r2"),
        lambda s: grid_edits.add(s, fair, "r2", slots[7], "online-3"),
        lambda s: grid_edits.set_lock(s, fair, "r2", True),
        lambda s: grid_edits.set_lock(s, fair, "r2", False),
        lambda s: grid_edits.undo(s, fair),
        lambda s: grid_edits.undo(s, fair),
        lambda s: grid_edits.check_targets(s, fair, "r1"),
    ]
    kept: list[problem_cache.Workspace] = []
    for step in steps:
        with session_scope(engine) as session:
            out = step(session)
        kept.append(assert_workspace_fresh(engine, fair))
        if isinstance(out, grid_edits.EditOutcome):  # its diff, from the cached meetings
            with Session(engine) as session:
                draft = latest_version(session, fair)
                assert draft is not None
                assert out.diff == draft_diff(session, draft)
    # the first edit carried the published version's workspace over to its new draft,
    # the next ones kept it; a lock changes the problem, so it is built anew after one
    assert kept[0] is kept[1] is kept[2] is kept[3]
    assert kept[4] is not kept[3]
    with Session(engine) as session:
        planning = build_problem(session, fair)
        r1 = version_assignments(session, planning.keys, latest_version(session, fair))["r1"]
    with pytest.raises(grid_edits.EditRefused), session_scope(engine) as session:
        grid_edits.move(session, fair, "r2", slots[r1.start], "online-3")
    assert_workspace_fresh(engine, fair)


def test_a_missing_token_means_no_cache(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        planning = build_problem(session, fair)
        where = version_assignments(session, planning.keys, latest_version(session, fair))
    start = planning.problem.slots[where["r2"].start].start
    with session_scope(engine) as session:
        session.execute(sa.text("DELETE FROM input_revision WHERE scope = 'fair'"))
        assert problem_cache.read_key(session, fair) is None
        same_as_fresh(session, fair)  # built fresh each time
        # an edit reads everything afresh, and still checks and saves
        out = grid_edits.move(session, fair, "r2", start, "online-4")
        draft = latest_version(session, fair)
        assert draft is not None and out.diff == draft_diff(session, draft)
        assert out.diff is not None and len(out.diff.moved) == 1


def test_busy_time_of_the_writers_own_transaction_is_seen(engine: Engine, fair: int) -> None:
    """The key is read in the caller's transaction: its own uncommitted writes count."""
    with session_scope(engine) as session:
        before = same_as_fresh(session, fair)
        kr1 = person(session, "kr1")
        session.execute(
            sa.text(
                'INSERT INTO busy_time (participant_id, start, "end", source) '
                "VALUES (:p, :s, :e, 'test')"
            ),
            {
                "p": kr1.id,
                "s": datetime(2026, 11, 27, 1, tzinfo=UTC).replace(tzinfo=None),
                "e": datetime(2026, 11, 27, 2, tzinfo=UTC).replace(tzinfo=None),
            },
        )
        after = same_as_fresh(session, fair)
        assert after.problem != before.problem


def _edit_in_another_process(schema: str, fair_id: int, start: datetime) -> None:
    """A second server process: its own engine and its own (empty) cache."""
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with session_scope(engine) as session:
            grid_edits.move(session, fair_id, "r2", start, "online-6")
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_an_edit_in_another_process_is_seen(postgres_engine: Engine, pg_schema: str) -> None:
    engine = postgres_engine
    fair_id = import_files(engine, fair_files(participants=PEOPLE)).fair_id
    schedule_fair(engine, fair_id, OPTIONS, method="greedy")
    with session_scope(engine) as session:
        publish(session, fair_id, 1)
        planning = build_problem(session, fair_id)
        where = version_assignments(session, planning.keys, latest_version(session, fair_id))
    start = planning.problem.slots[where["r2"].start].start
    with session_scope(engine) as session:
        grid_edits.move(session, fair_id, "r2", start, "online-5")  # cached here
    other = multiprocessing.get_context("spawn").Process(
        target=_edit_in_another_process, args=(pg_schema, fair_id, start)
    )
    other.start()
    other.join(60)
    assert other.exitcode == 0
    assert_workspace_fresh(engine, fair_id)  # r2 in online-6, as the other process left it
    with session_scope(engine) as session:
        back = grid_edits.undo(session, fair_id)  # takes back the other process's edit
    assert back.changed == ("r2",)
    with Session(engine) as session:
        now = version_assignments(session, planning.keys, latest_version(session, fair_id))
    assert now["r2"].place_id == "online-5"
