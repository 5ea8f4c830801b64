"""Which recordings wait for a conversion, who converts them, what a failed conversion
stores, and orders from a replay (fair/replays.py, fair/orders.py). Real recordings
through Janus are converted in tests/realtime/test_replays_janus.py; here the `.mjr`
files are not Janus's, so janus-pp-rec refuses them, which is the failure path."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import orders as od
from fair import replays as rp
from fair.db import session_scope
from fair.errors import Conflict, NotFound
from fair.models import Replay, ReplayStatus, Roadshow, RoadshowStatus, utcnow
from tests.fair.test_orders import fair, ids, live_show, order, product_ids  # noqa: F401

pytestmark = pytest.mark.integration


def recorded(folder: Path, stamp: int = 1_796_565_024_233) -> None:
    """Two track files named as Janus names the host's (their content is not a Janus
    recording)."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, index in (("audio", 0), ("video", 1)):
        (folder / f"host-{stamp}-{kind}-{index}.mjr").write_bytes(b"not a recording" * 10)


def set_status(engine: Engine, show: int, status: RoadshowStatus) -> None:
    with session_scope(engine) as session:
        row = session.get(Roadshow, show)
        assert row is not None
        row.status = status
        session.add(row)


def end_of(engine: Engine, show: int) -> object:
    with Session(engine) as session:
        row = session.get(Roadshow, show)
        assert row is not None
        return row.end


def test_segments_are_the_hosts_publishings_oldest_first(tmp_path: Path) -> None:
    recorded(tmp_path, 2000)
    recorded(tmp_path, 1000)
    (tmp_path / "venue-1-video-1.mjr").write_bytes(b"x")  # not the host's: ignored
    (tmp_path / "host-3000-video-1.mjr").write_bytes(b"")  # empty: ignored
    found = rp.segments(tmp_path)
    assert [s.stamp for s in found] == [1000, 2000]
    assert all(s.audio and s.video for s in found)


def test_only_ended_roadshows_with_recordings_are_due(
    engine: Engine,
    fair: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    show = live_show(engine, fair)
    with Session(engine) as session:
        assert rp.due(session, tmp_path) == []  # no recordings directory yet
    recorded(rp.roadshow_dir(tmp_path, show))
    end = end_of(engine, show)
    with Session(engine) as session:
        assert rp.due(session, tmp_path, end) == []  # live, within its slot
        assert rp.due(session, tmp_path, end + rp.GRACE + timedelta(seconds=1)) == [show]  # type: ignore[operator]
    set_status(engine, show, RoadshowStatus.ENDED)
    with Session(engine) as session:
        assert rp.due(session, tmp_path, end) == [show]
    for status in (RoadshowStatus.SCHEDULED, RoadshowStatus.CANCELLED):
        set_status(engine, show, status)
        with Session(engine) as session:
            assert rp.due(session, tmp_path) == []


def test_a_failed_conversion_is_stored_with_the_reason(
    engine: Engine,
    fair: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    if shutil.which("janus-pp-rec") is None:
        pytest.skip("janus-pp-rec (janus-tools) is not installed")
    show = live_show(engine, fair, RoadshowStatus.ENDED)
    recorded(rp.roadshow_dir(tmp_path, show))
    done = rp.convert_due(engine, tmp_path)
    assert [(r.roadshow_id, r.status) for r in done] == [(show, ReplayStatus.FAILED)]
    assert done[0].reason.startswith("janus-pp-rec: ")
    assert done[0].file == "" and done[0].finished_at is not None
    # Failed stays failed: not tried again at every sweep, only when a process starts
    # (janus-pp-rec or ffmpeg may have been installed since)...
    with Session(engine) as session:
        assert rp.due(session, tmp_path) == []
        assert rp.due(session, tmp_path, retry_failed=True) == [show]
    # ...until the host records again (a roadshow taken live again after its replay).
    later = rp.roadshow_dir(tmp_path, show) / "host-9999999999999-video-1.mjr"
    later.write_bytes(b"more")
    future = (utcnow() + timedelta(minutes=1)).timestamp()
    os.utime(later, (future, future))
    with Session(engine) as session:
        assert rp.due(session, tmp_path) == [show]


def test_a_fresh_claim_is_left_alone_and_an_abandoned_one_taken_over(
    engine: Engine,
    fair: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    show = live_show(engine, fair, RoadshowStatus.ENDED)
    recorded(rp.roadshow_dir(tmp_path, show))
    with session_scope(engine) as session:
        session.add(Replay(fair_id=fair, roadshow_id=show, key="a" * 24))
    now = utcnow()
    with Session(engine) as session:
        assert rp.due(session, tmp_path, now) == []  # another process converts it
    assert rp.convert_roadshow(engine, tmp_path, show, now) is None
    later = now + rp.STALE + timedelta(seconds=1)
    with Session(engine) as session:
        assert rp.due(session, tmp_path, later) == [show]
    taken = rp.convert_roadshow(engine, tmp_path, show, later)
    assert taken is not None and taken.key == "a" * 24  # the same row and address
    assert taken.status in (ReplayStatus.READY, ReplayStatus.FAILED)
    with Session(engine) as session:
        assert len(list(session.exec(select(Replay)))) == 1


def test_a_replay_file_is_found_only_inside_the_recordings_directory(
    engine: Engine,
    fair: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    show = live_show(engine, fair, RoadshowStatus.ENDED)
    (tmp_path / "rec" / f"roadshow-{show}").mkdir(parents=True)
    (tmp_path / "rec" / f"roadshow-{show}" / "replay-x.webm").write_bytes(b"webm")
    (tmp_path / "secret.txt").write_text("not a replay")
    replay = Replay(fair_id=fair, roadshow_id=show, key="b" * 24, status=ReplayStatus.READY)
    replay.file = f"roadshow-{show}/replay-x.webm"
    assert rp.ready_file(replay, tmp_path / "rec").name == "replay-x.webm"
    for bad in ("../secret.txt", "/etc/passwd", f"roadshow-{show}/../../secret.txt", ""):
        replay.file = bad
        with pytest.raises(NotFound):
            rp.ready_file(replay, tmp_path / "rec")
    with Session(engine) as session:
        for key in ("../../x", "b" * 23, "b" * 24):
            with pytest.raises(NotFound):
                rp.by_key(session, fair, key)


def test_order_from_a_replay_needs_a_ready_replay(
    engine: Engine,
    fair: int,  # noqa: F811
) -> None:
    show = live_show(engine, fair, RoadshowStatus.ENDED)
    (buyer,) = ids(engine, "cn1")
    first = product_ids(engine)[0]
    with pytest.raises(Conflict, match="only while the roadshow is live"):
        od.place_order_once(engine, show, buyer, order(first, 4, "replay-key-1"), {})
    with pytest.raises(Conflict, match="no replay"):
        od.place_order_once(engine, show, buyer, order(first, 4, "replay-key-1"), {}, True)
    with session_scope(engine) as session:
        session.add(Replay(fair_id=fair, roadshow_id=show, key="c" * 24, status=ReplayStatus.READY))
    view, created = od.place_order_once(
        engine, show, buyer, order(first, 4, "replay-key-1"), {}, True
    )
    assert created and view["amount"] == "10.00" and view["status"] == "pending"
    again, created = od.place_order_once(
        engine, show, buyer, order(first, 4, "replay-key-1"), {}, True
    )
    assert not created and again["id"] == view["id"]
