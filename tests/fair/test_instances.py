"""Presence and audience counted per server process: the connections of a process whose
heartbeat stopped (crashed, SIGKILLed) stop counting after a sweep, a late disconnect
is not taken off twice, a clean shutdown releases at once (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import instances, presence
from fair import stage as st
from fair.db import session_scope
from fair.errors import Conflict
from fair.models import (
    LiveConnection,
    MeetingPresence,
    ServerInstance,
)
from tests.fair.test_roadshows import fair, person, schedule  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration
TIMEOUT = 30.0
A, B = "a" * 32, "b" * 32  # two server processes


def beat(engine: Engine, instance: str, at: datetime) -> datetime:
    """The heartbeat; returns when `instance` was registered."""
    with session_scope(engine) as session:
        return instances.heartbeat(session, instance, at, "test")


def sweep(engine: Engine, at: datetime) -> instances.Released:
    with session_scope(engine) as session:
        return instances.sweep_instances(session, at, TIMEOUT)


def online(engine: Engine, uid: str) -> dict[int, bool]:
    with Session(engine) as session:
        room = presence.load_room(session, uid)
        return {
            int(str(p["participant"])): bool(p["online"]) for p in presence.presence(session, room)
        }


def test_presence_of_dead_instance_stops_counting_after_sweep(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    start = datetime.now(UTC)
    beat(engine, A, start)
    beat(engine, B, start)
    with session_scope(engine) as session:
        room = presence.load_room(session, uid)
        buyer, seller = room.members[0].participant_id, room.members[1].participant_id
        presence.enter(session, room, buyer, start, A)
        presence.enter(session, room, seller, start, B)
    assert online(engine, uid)[buyer] and online(engine, uid)[seller]

    assert sweep(engine, start + timedelta(seconds=20)).instances == ()  # A is only late
    later = start + timedelta(seconds=40)
    beat(engine, B, later)  # B lives on, A died
    released = sweep(engine, later)

    assert released.instances == (A,)
    assert released.meetings == ((room.fair_id, uid),)
    people = online(engine, uid)
    assert people[buyer] is False and people[seller] is True
    with Session(engine) as session:
        row = session.exec(
            select(MeetingPresence).where(MeetingPresence.participant_id == buyer)
        ).one()
        assert row.connections == 0 and row.left_at == later
        assert row.first_joined_at is not None  # the no-show detection still sees them
        assert session.get(ServerInstance, A) is None
        assert session.get(ServerInstance, B) is not None
        assert not session.exec(select(LiveConnection).where(LiveConnection.instance_id == A)).all()
    assert sweep(engine, later).instances == ()  # nothing left to sweep


def test_presence_late_disconnect_after_sweep_is_not_taken_off_twice(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    start = datetime.now(UTC)
    beat(engine, A, start - timedelta(seconds=60))
    with session_scope(engine) as session:
        room = presence.load_room(session, uid)
        buyer = room.members[0].participant_id
        presence.enter(session, room, buyer, start, A)  # one tab on A
        presence.enter(session, room, buyer, start, B)  # one on B
    beat(engine, A, start - timedelta(seconds=60))
    beat(engine, B, start)
    assert sweep(engine, start).instances == (A,)
    assert online(engine, uid)[buyer] is True  # the tab on B
    with session_scope(engine) as session:  # A was alive after all and sees the disconnect
        presence.leave(session, room.meeting_id, buyer, start, A)
    assert online(engine, uid)[buyer] is True
    with session_scope(engine) as session:
        presence.leave(session, room.meeting_id, buyer, start, B)
    assert online(engine, uid)[buyer] is False


def test_presence_clean_shutdown_releases_its_connections_at_once(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    beat(engine, A, now)
    with session_scope(engine) as session:
        room = presence.load_room(session, uid)
        buyer = room.members[0].participant_id
        presence.enter(session, room, buyer, now, A)
        presence.enter(session, room, buyer, now, A)  # two tabs
    with session_scope(engine) as session:
        released = instances.release_instance(session, A, now)
    assert released.meetings == ((room.fair_id, uid),)
    assert online(engine, uid)[buyer] is False
    with session_scope(engine) as session:  # the disconnects that follow change nothing
        presence.leave(session, room.meeting_id, buyer, now, A)
    with Session(engine) as session:
        assert session.get(ServerInstance, A) is None


def test_presence_without_instance_is_never_swept(room_engine: tuple[Engine, str]) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    beat(engine, A, now - timedelta(hours=1))
    with session_scope(engine) as session:
        room = presence.load_room(session, uid)
        buyer = room.members[0].participant_id
        presence.enter(session, room, buyer, now)
    assert sweep(engine, now).meetings == ()
    assert online(engine, uid)[buyer] is True


def test_heartbeat_reports_a_process_taken_for_dead(engine: Engine) -> None:
    now = datetime.now(UTC)
    first = beat(engine, A, now)
    assert first == now
    assert beat(engine, A, now + timedelta(seconds=10)) == first
    assert sweep(engine, now + timedelta(seconds=50)).instances == (A,)
    assert beat(engine, A, now + timedelta(seconds=51)) != first  # registered again


def test_join_after_a_wrong_sweep_registers_again_and_the_beat_notices(
    room_engine: tuple[Engine, str],
) -> None:
    """A process taken for dead while alive: a join registers it again before its next
    beat, and that beat still reports a new registration (so it counts its clients
    again)."""
    engine, uid = room_engine
    now = datetime.now(UTC)
    first = beat(engine, A, now)
    sweep(engine, now + timedelta(seconds=TIMEOUT + 1))
    with session_scope(engine) as session:
        room = presence.load_room(session, uid)
        joined = now + timedelta(seconds=TIMEOUT + 1.5)
        presence.enter(session, room, room.members[0].participant_id, joined, A)
    assert beat(engine, A, now + timedelta(seconds=TIMEOUT + 2)) == joined != first


@pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)  # threads racing on PostgreSQL; the in-memory SQLite test engine is one shared connection
def test_joins_racing_to_register_a_new_process_all_count(
    room_engine: tuple[Engine, str],
) -> None:
    """Regression: the first joins of a process (before its first beat) raced to insert
    its row, and all but one failed with a unique violation on PostgreSQL."""
    from concurrent.futures import ThreadPoolExecutor

    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        members = [m.participant_id for m in presence.load_room(session, uid).members]

    def join(pid: int) -> None:
        with session_scope(engine) as session:
            presence.enter(session, presence.load_room(session, uid), pid, now, A)

    with ThreadPoolExecutor(len(members)) as pool:
        list(pool.map(join, members))
    with Session(engine) as session:
        assert session.get(ServerInstance, A) is not None
        held = session.exec(select(LiveConnection).where(LiveConnection.instance_id == A)).all()
    assert sorted(c.participant_id for c in held) == sorted(members)
    assert all(online(engine, uid)[pid] for pid in members)


@pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)  # row locks between processes: several processes run on PostgreSQL only
def test_sweep_waits_for_a_join_in_progress_and_keeps_it(
    engine: Engine,
    fair: int,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression (PostgreSQL): a sweep that ran between a join's read of the viewer's
    count and its write was overwritten by the join's commit (2 instead of 1: a place
    on the stage kept for ever). The sweep now takes the roadshow first, as joins do, so
    it waits for the join and subtracts from what the join wrote."""
    import threading

    from fair.models import RoadshowViewer

    show = schedule(engine, fair, audience_limit="5")
    now = datetime.now(UTC)
    beat(engine, A, now - timedelta(seconds=60))
    beat(engine, B, now)
    with session_scope(engine) as session:
        live, _ = st.stage_for(session, show, None)
        de1 = person(session, "de1").id or 0
        st.enter(session, live, de1, now, A)  # de1's tab on A, which then dies
    swept: list[instances.Released] = []
    count_in = st.count_in

    def sweep_meanwhile(*args: object) -> None:
        # The join has read the viewer's count and not written it yet: sweep now.
        sweeper = threading.Thread(target=lambda: swept.append(sweep(engine, now)))
        sweeper.start()
        sweeper.join(1.0)  # fixed: it waits for the join's locks and is still running
        count_in(*args)  # type: ignore[arg-type]
        threads.append(sweeper)

    threads: list[threading.Thread] = []
    monkeypatch.setattr(st, "count_in", sweep_meanwhile)
    with session_scope(engine) as joining:
        st.enter(joining, live, de1, now, B)  # a second tab, on B
    threads[0].join(10)
    assert swept and swept[0].instances == (A,)
    with Session(engine) as session:
        viewer = session.exec(
            select(RoadshowViewer).where(
                RoadshowViewer.roadshow_id == show, RoadshowViewer.participant_id == de1
            )
        ).one()
        assert viewer.connections == 1  # B's tab only


def test_audience_of_dead_instance_frees_the_full_roadshow(
    engine: Engine,
    fair: int,  # noqa: F811
) -> None:
    show = schedule(engine, fair, audience_limit="1")
    now = datetime.now(UTC)
    beat(engine, A, now - timedelta(seconds=60))
    beat(engine, B, now)
    with session_scope(engine) as session:
        live, _ = st.stage_for(session, show, None)
        ids = {k: person(session, k).id or 0 for k in ("kr1", "de1", "cn1")}
        assert st.enter(session, live, ids["kr1"], now, B) == 0  # the presenter
        assert st.enter(session, live, ids["de1"], now, A) == 1
    with session_scope(engine) as session, pytest.raises(Conflict, match="audience is full"):
        st.enter(session, live, ids["cn1"], now, B)
    with Session(engine) as session:
        assert st.livestream_totals(session, fair)["viewers_now"] == 2  # with the presenter

    released = sweep(engine, now)

    assert released.roadshows == ((fair, show),)
    assert released.meetings == ()
    with session_scope(engine) as session:
        assert st.audience(session, show) == 0
        assert st.livestream_totals(session, fair)["viewers_now"] == 1  # the presenter
        assert st.enter(session, live, ids["cn1"], now, B) == 1
    with session_scope(engine) as session:  # de1's process was alive: nothing twice
        assert st.leave(session, live, ids["de1"], A) == 1
        assert st.leave(session, live, ids["cn1"], B) == 0


def test_one_live_process_is_the_no_show_sweeper(engine: Engine) -> None:
    """The live process with the smallest id sweeps; a dead one does not count; before
    any beat there is none (each process then sweeps)."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        assert instances.sweeper(session, now, 30) is None
        instances.heartbeat(session, "b-live", now)
        instances.heartbeat(session, "c-live", now)
        instances.heartbeat(session, "a-dead", now - timedelta(seconds=60))
    with session_scope(engine) as session:
        assert instances.sweeper(session, now, 30) == "b-live"
        assert instances.sweeper(session, now + timedelta(seconds=45), 30) is None
