"""The organiser's hand edits of the grid: each kind accepted and refused with the reason
naming who or what is in the way, always on a draft (the published version never
changes), every accepted edit valid for the independent validator, undo, and locks kept
by a later solve (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from fair.db import session_scope
from fair.errors import Conflict, NotFound
from fair.grid_edits import (
    EditOutcome,
    EditRefused,
    add,
    check_targets,
    move,
    set_lock,
    swap,
    undo,
    unschedule,
)
from fair.loader import import_files
from fair.models import Meeting, MeetingRequest, ScheduleVersion
from fair.planning import build_problem, version_assignments
from fair.publishing import publish
from fair.scheduling import schedule_fair
from fair.versions import latest_version, published_version
from scheduler.validate import validate
from tests.factories import PARTICIPANTS, REQUESTS, fair_files

pytestmark = pytest.mark.integration

EXTRA_PEOPLE = [
    {
        "id": "cn2",
        "company": "烟台远洋贸易",
        "name": "李娜",
        "email": "lina@yantai.example",
        "role": "buyer",
        "country": "CN",
        "timezone": "Asia/Shanghai",
        "languages": "zh",
        "onsite": "all",
    },
    {
        "id": "jp1",
        "company": "Osaka Marine KK",
        "name": "Sato Yui",
        "email": "yui@osaka-marine.example",
        "role": "buyer",
        "country": "JP",
        "timezone": "Asia/Tokyo",
        "languages": "ja;en",
        "onsite": "all",
        "available": "09:00-11:00",
    },
    {
        "id": "kr3",
        "company": "Jeju Green Tea",
        "name": "Park Jisoo",
        "email": "jisoo@jeju-tea.example",
        "role": "exhibitor",
        "country": "KR",
        "timezone": "Asia/Seoul",
        "pavilion": "KR",
        "languages": "ko",
        "onsite": "all",
    },
    {
        "id": "cn3",
        "company": "Weihai Foods",
        "name": "Zhao Lei",
        "email": "lei@weihai.example",
        "role": "buyer",
        "country": "CN",
        "timezone": "Asia/Shanghai",
        "languages": "zh;en",
        "onsite": "all",
    },
]

EXTRA_REQUESTS = [
    {
        "id": "r4",
        "from": "cn2",
        "to": "kr1",
        "priority": "4",
        "mode": "in_person",
        "status": "accepted",
    },
    {
        "id": "r5",
        "from": "jp1",
        "to": "kr1",
        "priority": "4",
        "mode": "either",
        "status": "accepted",
    },
    {
        "id": "r8",
        "from": "cn3",
        "to": "kr3",
        "priority": "3",
        "mode": "in_person",
        "status": "accepted",
    },
    {
        "id": "r9",
        "from": "cn2",
        "to": "kr3",
        "priority": "3",
        "mode": "in_person",
        "status": "accepted",
        "third_seat": "interpreter:ko-zh",
    },
]

# The grid (fair time, Asia/Shanghai): day 1 slots 0-4 at 09:00, 09:30, 10:00, 11:00,
# 11:30 (coffee 10:30-11:00), day 2 slots 5-9 likewise. The layout every test starts from:
LAYOUT = {
    "r1": (0, "KR-B01"),
    "r4": (1, "KR-B01"),
    "r8": (3, "KR-T01"),
    "r9": (2, "KR-T02"),
    "r5": (5, "online"),
}


Fixture = tuple[Engine, int, list[datetime]]


def edit(engine: Engine, fn: Callable[..., Any], *args: Any) -> Any:
    with session_scope(engine) as session:
        return fn(session, *args)


def where(engine: Engine, fair_id: int) -> dict[str, sp.Assignment]:
    """The newest version's meetings as the scheduler sees them."""
    with Session(engine) as session:
        planning = build_problem(session, fair_id)
        return version_assignments(session, planning.keys, latest_version(session, fair_id))


def reasons(refused: pytest.ExceptionInfo[EditRefused]) -> dict[str, str]:
    return {r.code: r.text for r in refused.value.reasons}


# Races between transactions: SQLite writes one transaction at a time anyway, so these
# run on PostgreSQL only (no skipped SQLite twin).
ON_POSTGRESQL = pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def laid_out(engine: Engine) -> Fixture:
    """The fair solved and published as version 1, then its draft cleared and laid out
    by hand as in LAYOUT (each step an edit, so the layout itself passed every check)."""
    summary = import_files(
        engine, fair_files([*PARTICIPANTS, *EXTRA_PEOPLE], [*REQUESTS, *EXTRA_REQUESTS])
    )
    fair_id = summary.fair_id
    schedule_fair(engine, fair_id, sp.Options(time_limit=5, workers=1, levels=1), method="greedy")
    with session_scope(engine) as session:
        publish(session, fair_id, 1)
        slots = [s.start for s in build_problem(session, fair_id).problem.slots]
    for key in where(engine, fair_id):
        edit(engine, unschedule, fair_id, key)
    for key, (slot, place) in LAYOUT.items():
        edit(engine, add, fair_id, key, slots[slot], place)
    return engine, fair_id, slots


def assert_valid(engine: Engine, fair_id: int) -> None:
    with Session(engine) as session:
        planning = build_problem(session, fair_id)
        draft = latest_version(session, fair_id)
        assignments = version_assignments(session, planning.keys, draft)
    assert validate(planning.problem, assignments.values()) == []


def published_rows(engine: Engine, fair_id: int) -> list[dict[str, Any]]:
    with Session(engine) as session:
        published = published_version(session, fair_id)
        assert published is not None and published.number == 1
        query = select(Meeting).where(Meeting.version_id == published.id).order_by(Meeting.id)
        return [{f: getattr(m, f) for f in Meeting.model_fields} for m in session.exec(query)]


def test_edits_go_into_a_draft_and_leave_the_published_version_alone(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    published = published_rows(engine, fair_id)
    edit(engine, move, fair_id, "r4", slots[4], "KR-T02")
    edit(engine, set_lock, fair_id, "r4", True)
    edit(engine, unschedule, fair_id, "r8")
    with Session(engine) as session:
        draft = latest_version(session, fair_id)
        assert draft is not None
        assert (draft.number, draft.status, draft.method) == (2, "draft", "edit")
        assert draft.figures["edited_from"] == 1
        cleared = len(published)
        assert [e["kind"] for e in draft.figures["edits"][cleared + len(LAYOUT) :]] == [
            "move",
            "lock",
            "unschedule",
        ]
    assert published_rows(engine, fair_id) == published
    assert_valid(engine, fair_id)


def test_move_to_a_free_cell_is_accepted_and_shows_in_the_diff(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    outcome: EditOutcome = edit(engine, move, fair_id, "r4", slots[4], "KR-T02")
    assert outcome.draft == 2 and outcome.changed == ("r4",)
    a = where(engine, fair_id)["r4"]
    assert (a.start, a.kind, a.place_id) == (4, sp.PlaceKind.TABLE, "KR-T02")
    assert outcome.diff is not None
    with Session(engine) as session:
        r4 = session.exec(select(MeetingRequest).where(MeetingRequest.key == "r4")).one()
    assert r4.id in outcome.diff.moved + outcome.diff.new
    assert_valid(engine, fair_id)


def test_move_refused_when_a_person_is_in_another_meeting(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r4", slots[0], "KR-T02")
    assert reasons(refused) == {
        "booked": "김민준 is in another meeting at Fri 09:00 "
        "(青岛海润食品有限公司 ↔ 부산해양식품 주식회사)."
    }
    assert where(engine, fair_id)["r4"].start == 1  # nothing changed


def test_move_refused_outside_someones_hours_in_their_zone(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r5", slots[7], "online")
    assert reasons(refused) == {
        "hours": "Sat 10:00 is outside Sato Yui's hours (Sat 11:00 in Asia/Tokyo)."
    }


def test_move_refused_when_the_place_is_full(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r4", slots[3], "KR-T01")
    assert reasons(refused) == {
        "full": "KR-T01 is full at Fri 11:00 (Weihai Foods ↔ Jeju Green Tea)."
    }


def test_move_refused_when_no_interpreter_is_free(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r9", slots[0], "KR-T02")
    assert reasons(refused) == {"no_third_seat": "No one for ko-zh is free then."}


def test_move_refused_at_a_place_the_meeting_cannot_use(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r8", slots[4], "KR-B01")
    assert reasons(refused) == {"place": "Booth KR-B01 is not the host's booth."}
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r1", slots[4], "online")
    assert reasons(refused) == {"mode": "This meeting is in person only."}


def test_swap_exchanges_two_meetings_or_is_refused(laid_out: Fixture) -> None:
    engine, fair_id, _ = laid_out
    edit(engine, swap, fair_id, "r1", "r4")
    now = where(engine, fair_id)
    assert (now["r1"].start, now["r4"].start) == (1, 0)
    assert now["r1"].third_seat == "int1"
    assert_valid(engine, fair_id)
    with pytest.raises(EditRefused) as refused:
        edit(engine, swap, fair_id, "r4", "r8")  # r8 has no booth of its own
    assert reasons(refused) == {"place": "Booth KR-B01 is not the host's booth."}


def test_unschedule_and_add_back(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    edit(engine, unschedule, fair_id, "r4")
    assert "r4" not in where(engine, fair_id)
    with Session(engine) as session:
        draft = latest_version(session, fair_id)
        assert draft is not None
        assert draft.figures["unscheduled"]["r4"]["code"] == "organiser"
        assert draft.figures["scheduled"] == len(LAYOUT) - 1
    edit(engine, add, fair_id, "r4", slots[4], "KR-T01")
    assert where(engine, fair_id)["r4"].place_id == "KR-T01"
    with pytest.raises(Conflict, match="already scheduled"):
        edit(engine, add, fair_id, "r4", slots[4], "KR-T02")
    assert_valid(engine, fair_id)


def test_add_refused_with_the_reason(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with pytest.raises(EditRefused) as refused:
        edit(engine, add, fair_id, "r2", slots[6], "online")
    assert reasons(refused) == {
        "hours": "Sat 09:30 is outside Anna Becker's hours (Sat 02:30 in Europe/Berlin)."
    }
    with pytest.raises(NotFound, match="no accepted request r3"):
        edit(engine, add, fair_id, "r3", slots[5], "online")


def test_undo_takes_back_the_last_edit(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    before = where(engine, fair_id)
    edit(engine, move, fair_id, "r4", slots[4], "KR-T02")
    edit(engine, unschedule, fair_id, "r8")
    outcome: EditOutcome = edit(engine, undo, fair_id)
    assert outcome.changed == ("r8",)
    assert where(engine, fair_id)["r8"] == before["r8"]
    edit(engine, undo, fair_id)
    assert where(engine, fair_id) == before
    assert_valid(engine, fair_id)


def test_undo_without_edits_is_refused(engine: Engine) -> None:
    summary = import_files(engine, fair_files())
    schedule_fair(engine, summary.fair_id, sp.Options(levels=1), method="greedy")
    with pytest.raises(Conflict, match="no edit to undo"):
        edit(engine, undo, summary.fair_id)


def test_locked_meeting_cannot_move_until_unlocked(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    edit(engine, set_lock, fair_id, "r4", True)
    with pytest.raises(EditRefused) as refused:
        edit(engine, move, fair_id, "r4", slots[4], "KR-T02")
    assert reasons(refused) == {"locked": "This meeting is locked; unlock it first."}
    with pytest.raises(EditRefused):
        edit(engine, unschedule, fair_id, "r4")
    edit(engine, set_lock, fair_id, "r4", False)
    edit(engine, move, fair_id, "r4", slots[4], "KR-T02")


def test_lock_is_kept_by_a_later_solve(laid_out: Fixture) -> None:
    engine, fair_id, _ = laid_out
    edit(engine, set_lock, fair_id, "r5", True)  # day 2, online: no solver would pick it
    locked = where(engine, fair_id)["r5"]
    number, figures = schedule_fair(engine, fair_id, sp.Options(time_limit=10, workers=1, levels=1))
    assert number == 3 and figures["status"] in {"optimal", "feasible"}
    with Session(engine) as session:
        planning = build_problem(session, fair_id)
        solved = version_assignments(session, planning.keys, latest_version(session, fair_id))
        newest = latest_version(session, fair_id)
        assert newest is not None
        row = session.exec(
            select(Meeting)
            .join(MeetingRequest)
            .where(MeetingRequest.key == "r5", Meeting.version_id == newest.id)
        ).one()
    assert solved["r5"] == locked
    assert row.locked  # and stays locked for the solve after
    assert_valid(engine, fair_id)


def test_check_targets_marks_every_cell_and_agrees_with_the_edits(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    with Session(engine) as session:
        verdicts = check_targets(session, fair_id, "r9").verdicts
    cells = {(v.target.slot, v.target.place): v for v in verdicts}
    assert {r.code for r in cells[(0, "KR-T02")].reasons} == {"no_third_seat"}
    assert cells[(2, "KR-T02")].ok  # where it is now
    assert all(v.target.kind is not sp.PlaceKind.ONLINE for v in verdicts)  # in person only
    good = [v for v in verdicts if v.ok and v.target.slot != 2][:2]
    bad = [v for v in verdicts if not v.ok][:2]
    assert good and bad
    for v in bad:
        with pytest.raises(EditRefused) as refused:
            edit(engine, move, fair_id, "r9", slots[v.target.slot], v.target.place)
        assert [r.code for r in refused.value.reasons] == [r.code for r in v.reasons]
    for v in good:
        edit(engine, move, fair_id, "r9", slots[v.target.slot], v.target.place)
        assert_valid(engine, fair_id)


@ON_POSTGRESQL
def test_concurrent_edits_take_turns_on_the_draft(laid_out: Fixture) -> None:
    engine, fair_id, slots = laid_out
    saved, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:  # KR-T01 at 11:30 on day 1 taken, not committed yet
        with session_scope(engine) as session:
            move(session, fair_id, "r4", slots[4], "KR-T01")
            saved.set()
            release.wait(10)

    def second() -> None:  # the same table and time, for a meeting with other people
        try:
            edit(engine, move, fair_id, "r8", slots[4], "KR-T01")
            outcome["second"] = "saved"
        except EditRefused as refused:
            outcome["second"] = {r.code for r in refused.reasons}

    one = threading.Thread(target=first)
    one.start()
    assert saved.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    assert two.is_alive()  # waits for the first edit's transaction
    release.set()
    one.join(10)
    two.join(10)
    assert outcome["second"] == {"full"}
    assert_valid(engine, fair_id)


@ON_POSTGRESQL
def test_concurrent_first_edits_share_one_new_draft(laid_out: Fixture) -> None:
    """Two organisers' first edits after a publish, at once: both used to copy the
    published version into a draft numbered one above it, and the second insert broke the
    (fair, number) uniqueness (a 500). The second now waits and edits the first's draft."""
    engine, fair_id, _ = laid_out
    with session_scope(engine) as session:
        publish(session, fair_id)
    published = where(engine, fair_id)
    first_key, second_key = sorted(published)[:2]
    saved, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with session_scope(engine) as session:
            outcome["first"] = unschedule(session, fair_id, first_key).draft
            saved.set()
            release.wait(10)

    def second() -> None:
        try:
            outcome["second"] = edit(engine, unschedule, fair_id, second_key).draft
        except Exception as exc:  # what the organiser's page would have got as a 500
            outcome["second"] = repr(exc)

    one = threading.Thread(target=first)
    one.start()
    assert saved.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    release.set()
    one.join(10)
    two.join(10)
    assert outcome["first"] == outcome["second"]
    after = where(engine, fair_id)
    assert first_key not in after and second_key not in after
    assert_valid(engine, fair_id)


@ON_POSTGRESQL
def test_first_edit_and_a_solve_at_once_save_two_drafts(laid_out: Fixture) -> None:
    """A solve storing its draft while an organiser's first edit after a publish makes
    one: both took the number above the published version (the later insert broke the
    unique number). The solve now waits for the edit and stores the next number."""
    engine, fair_id, _ = laid_out
    with session_scope(engine) as session:
        publish(session, fair_id)
        published = session.exec(
            select(ScheduleVersion.number).where(ScheduleVersion.fair_id == fair_id)
        ).all()
    saved, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with session_scope(engine) as session:
            outcome["edit"] = unschedule(session, fair_id, sorted(where(engine, fair_id))[0]).draft
            saved.set()
            release.wait(10)

    def second() -> None:
        try:
            options = sp.Options(time_limit=5, workers=1, levels=1)
            outcome["solve"] = schedule_fair(engine, fair_id, options, method="greedy")[0]
        except Exception as exc:  # what the console's run would have ended with
            outcome["solve"] = repr(exc)

    one = threading.Thread(target=first)
    one.start()
    assert saved.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    release.set()
    one.join(10)
    two.join(30)
    top = max(published)
    assert (outcome["edit"], outcome["solve"]) == (top + 1, top + 2)
